/**
 * A command template that cannot be compiled. Thrown at load time, so a bad
 * rule stops the configuration from loading instead of failing per event.
 *
 * @example
 * try {
 *   compileCommand('SET conn:${clientid')
 * } catch (e) {
 *   if (e instanceof TemplateError) e.problem // 'unterminated ${ (no closing })'
 * }
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError'

  constructor(
    /** What is wrong, without the template: stable text for tests and logs. */
    readonly problem: string,
    /** The template as written. */
    readonly template: string,
    /** Offset in `template` (UTF-16 units) where the problem is. */
    readonly at: number,
  ) {
    super(`invalid command template at ${at}: ${problem} in ${JSON.stringify(template)}`)
  }
}
