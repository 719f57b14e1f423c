/** Moved to `http/http-util.ts` (receivers and APIs share it); re-exported so `api/` code keeps its imports. */
export { HttpError, decodeContent, mediaType, readBody, sendJson, sendText } from '../http/http-util.js';
