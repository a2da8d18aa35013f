/** A precondition for starting the service is not met; main.ts prints the message and exits 1. */
export class BootCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootCheckError';
  }
}
