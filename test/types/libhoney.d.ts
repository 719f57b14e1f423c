/** libhoney 4.x ships no types; just what the tests use. */
declare module 'libhoney' {
  interface LibhoneyEvent {
    add(data: Record<string, unknown>): void;
    sampleRate: number;
    timestamp: Date;
    send(): void;
    sendPresampled(): void;
  }
  export default class Libhoney {
    constructor(opts: Record<string, unknown>);
    newEvent(): LibhoneyEvent;
    flush(): Promise<void>;
  }
}
