// Names native return addresses that dladdr() cannot: dladdr only sees the dynamic
// symbol table, so static/internal functions of the node binary come out as
// "node+0x880c3f". This reads the file's full ELF .symtab instead. It runs on the JS
// thread when a profile is collected, never inside a malloc hook, so it may allocate.
#pragma once

#include <cstdint>
#include <string>

namespace allocscope {
namespace malloc_symbols {

// Name of the function containing `pc` in the loaded object whose file is `path` and
// whose load base (Dl_info::dli_fbase) is `base`; false if the file has no .symtab
// entry covering it. `name` gets the raw (mangled) symbol name. Thread-safe; the
// first call per path parses the file (tens of ms for node), later calls are a search.
bool FunctionAt(const char* path, uintptr_t base, uintptr_t pc, std::string* name);

}  // namespace malloc_symbols
}  // namespace allocscope
