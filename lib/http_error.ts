/** The one error type handlers throw; `onError` turns it into a JSON answer. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code = "error") {
    super(message);
    this.name = "HttpError";
  }
}
