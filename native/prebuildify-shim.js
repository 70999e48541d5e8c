#!/usr/bin/env node
'use strict';
// prebuildify calls "node-gyp rebuild --target=… --release"; we build with cmake-js
// instead. The flags are node-gyp's and do not apply: the target is the running Node.
require('./build.js');
