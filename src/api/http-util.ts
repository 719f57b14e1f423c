/** Moved to `http/http-util.ts` (receivers and APIs share it); re-exported so `api/` code keeps its imports. */
export * from '../http/http-util.js';
