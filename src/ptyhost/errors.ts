// A request the pty host refuses: its code goes back to the server in the reply ({ok:false, error:{code,message}}).
export class HostError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}
