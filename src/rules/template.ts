/**
 * Raw Redis command templates of hook rules, EMQX style:
 * `HINCRBY disconnected_reason ${reason} 1`, `HSET emqx_messages ${clientid} ${payload.temp}`.
 *
 * A template is split into arguments once, when the rule is loaded
 * ({@link compileCommand}); an event only fills the placeholders in
 * ({@link renderCommand}). A value therefore lands inside the one argument
 * its placeholder stands in, whatever it holds: spaces, CR/LF, quotes, `${`
 * or RESP framing are just bytes of that argument. The runner
 * (run-commands.ts) sends each argument as its own RESP bulk string; no
 * command text is ever built.
 */
import { commandNameProblem } from './denylist.js'
import { lookup, renderValue, type TemplateContext } from './template-context.js'
import { TemplateError } from './template-error.js'
import { splitArguments, type TemplateArg } from './template-parse.js'

export { TemplateError } from './template-error.js'
export type { TemplateContext } from './template-context.js'
export type { TemplateArg, TemplatePart } from './template-parse.js'

/** A template split into its command name and argument templates. */
export interface CompiledCommand {
  /** The template as written, for logs. */
  readonly source: string
  /** The command name as written (Redis ignores its case). */
  readonly name: string
  /** The arguments after the name. */
  readonly args: readonly TemplateArg[]
}

/** One command ready to send: each entry of `args` is one RESP bulk string. */
export interface RenderedCommand {
  readonly name: string
  readonly args: readonly (string | Buffer)[]
}

/**
 * Splits `text` into a command name and argument templates, or throws a
 * {@link TemplateError}: empty command, unterminated `${` or quote, empty or
 * badly named placeholder, a placeholder or non-letters in the command name,
 * or a command refused for rules (see denylist.ts).
 *
 * @example
 * const cmd = compileCommand('HINCRBY authz_result ${result}:${action} 1')
 * cmd.name // 'HINCRBY'
 * cmd.args.length // 3
 * compileCommand('FLUSHALL') // throws TemplateError, problem 'FLUSHALL is not allowed in a rule: ...'
 */
export function compileCommand(text: string): CompiledCommand {
  const [head, ...args] = splitArguments(text)
  if (head === undefined) throw new TemplateError('empty command', text, 0)
  const at = text.length - text.trimStart().length
  const [first, ...more] = head
  if (head.some((p) => p.kind === 'var')) throw new TemplateError('the command name must be literal text, not a placeholder', text, at)
  if (first?.kind !== 'text' || more.length > 0) throw new TemplateError('empty command name', text, at)
  const problem = commandNameProblem(first.text)
  if (problem !== undefined) throw new TemplateError(problem, text, at)
  return Object.freeze({ source: text, name: first.text, args: Object.freeze(args) })
}

/**
 * Fills `cmd`'s placeholders from `ctx`. Gives exactly one argument per
 * argument template, each the template's text with the values put in
 * verbatim (rendered as in template-context.ts).
 *
 * An argument that is exactly one placeholder whose value is a Buffer stays
 * that Buffer, so `SET raw:${clientid} ${payload}` stores the payload's bytes
 * as they came. Inside a longer argument a Buffer is read as UTF-8 (invalid
 * sequences become U+FFFD), as it has to join text.
 *
 * @example
 * const cmd = compileCommand('HSET emqx_messages ${clientid} ${payload.temp}')
 * renderCommand(cmd, { clientid: 'dev 1', payload: Buffer.from('{"temp":21.5}') })
 * // { name: 'HSET', args: ['emqx_messages', 'dev 1', '21.5'] }
 */
export function renderCommand(cmd: CompiledCommand, ctx: TemplateContext): RenderedCommand {
  return { name: cmd.name, args: cmd.args.map((arg) => renderArg(arg, ctx)) }
}

function renderArg(arg: TemplateArg, ctx: TemplateContext): string | Buffer {
  const [only] = arg
  if (arg.length === 1 && only?.kind === 'var') {
    const value = lookup(ctx, only.path)
    return Buffer.isBuffer(value) ? value : renderValue(value)
  }
  let out = ''
  for (const part of arg) out += part.kind === 'text' ? part.text : renderValue(lookup(ctx, part.path))
  return out
}
