'use strict';
// The climbing heap: rows appended to a retained list in chunks of 10,000 until
// `rows` are held, from three allocation sites (a row, its name, its tags), so the
// live profile has some shape. Nothing is dropped: the used heap only climbs.
const CHUNK = 10_000;

function makeRow(id) {
  return { id, name: makeName(id), tags: makeTags(id), score: id * 0.5 };
}
function makeName(id) {
  return `row-${id}-${(id * 2654435761) >>> 0}`;
}
function makeTags(id) {
  return [id & 7, id & 15, id & 31];
}

/** Builds `rows` rows; calls `afterChunk(held)` after each chunk. Returns the retained list. */
function climb(rows, afterChunk = () => {}) {
  const held = [];
  for (let done = 0; done < rows; done += CHUNK) {
    const chunk = new Array(Math.min(CHUNK, rows - done));
    for (let i = 0; i < chunk.length; i++) chunk[i] = makeRow(done + i);
    held.push(chunk);
    afterChunk(held);
  }
  return held;
}

module.exports = { climb, CHUNK };
