// The part of jStat (no bundled types) that allocscope uses.
declare module 'jstat' {
  export const jStat: {
    studentt: { cdf(x: number, degreesOfFreedom: number): number };
  };
}
