// Pure. Ids in the API's shapes (msg_…, req_…, msgbatch_…, file_…): a per-simulator random seed
// plus a counter, so ids are unique across simulators without a random draw per request.

export type NewId = (prefix: string) => string

/** `seed` should be a few random alphanumeric characters, drawn once when the simulator starts. */
export function idSequence (seed: string): NewId {
  let counter = 0
  return function newId (prefix: string): string {
    counter++
    return `${prefix}011${seed}${counter.toString(36).padStart(8, '0')}`
  }
}
