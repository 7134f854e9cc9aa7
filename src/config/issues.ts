// One problem found in a configuration file, with the path to the offending value.
export interface ConfigIssue {
  path: string
  message: string
}
