// `express4` is an npm alias of express@4. Only @types/express 5 is installed, so the v4
// runtime is typed with the v5 typings here; the calls the tests make exist in both.
declare module 'express4' {
  import express from 'express';
  export default express;
}
