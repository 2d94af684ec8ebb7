/** What the pool and its workers say to each other. */
export interface JobMessage {
  readonly id: number
  readonly codec: number
  readonly level: number | null
  /** A copy of the records section at the start of an ArrayBuffer the pool lends (transferred). */
  readonly data: Uint8Array
}

/** The lent ArrayBuffer comes back (`data`, transferred) with the output or the error. */
export type ReplyMessage =
  | { readonly id: number; readonly data: Uint8Array; readonly out: Uint8Array; readonly error?: undefined }
  | { readonly id: number; readonly data: Uint8Array; readonly error: string; readonly out?: undefined }
