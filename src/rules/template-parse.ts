/**
 * Splits a command template into arguments, each a list of literal text and
 * placeholders. Runs once per template, at load time; rendering never looks
 * at the template text again, so no value can change where arguments begin.
 *
 * Grammar (a template is one Redis command on one line):
 *
 * - Arguments are separated by runs of spaces or tabs. EMQX documents one
 *   space; more are accepted because nobody means an empty argument by them.
 * - An argument that starts with `"` is quoted: it runs to the next unescaped
 *   `"`, may hold spaces, tabs and line breaks, and knows two escapes, `\"`
 *   and `\\`. The closing quote must end the argument. A `"` anywhere else is
 *   plain text, so `{"t":${payload.temp}}` works unquoted.
 * - `${a}` or `${a.b.c}` is a placeholder: segments of [A-Za-z0-9_]+ joined by
 *   dots, no spaces. It may sit anywhere inside an argument, quoted or not.
 *   There is no escape for a literal `${`.
 * - A line break outside quotes is an error: a template is one command, and
 *   a second line was most likely meant as a second command.
 */
import { TemplateError } from './template-error.js'

/** One piece of an argument: literal text, or a placeholder's path (`payload.temp` -> ['payload', 'temp']). */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly path: readonly string[] }

/** One argument: its parts, concatenated when rendered. An empty list is the empty argument `""`. */
export type TemplateArg = readonly TemplatePart[]

const placeholderName = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/

/**
 * The arguments of `text`, the command name included.
 *
 * @example
 * splitArguments('HSET h ${clientid}:x')
 * // [[{kind:'text',text:'HSET'}], [{kind:'text',text:'h'}],
 * //  [{kind:'var',path:['clientid']}, {kind:'text',text:':x'}]]
 */
export function splitArguments(text: string): TemplateArg[] {
  const args: TemplateArg[] = []
  let i = 0
  for (;;) {
    while (isBlank(text[i])) i++
    if (i >= text.length) return args
    const parts = new Parts()
    i = text[i] === '"' ? readQuoted(text, i, parts) : readBare(text, i, parts)
    args.push(parts.finish())
  }
}

function readBare(text: string, start: number, parts: Parts): number {
  let i = start
  while (i < text.length && !isBlank(text[i])) {
    const c = text[i] as string
    if (c === '\r' || c === '\n') throw new TemplateError('line break outside quotes (a template is one command)', text, i)
    if (c === '$' && text[i + 1] === '{') i = readPlaceholder(text, i, parts)
    else {
      parts.text(c)
      i++
    }
  }
  return i
}

function readQuoted(text: string, open: number, parts: Parts): number {
  let i = open + 1
  for (;;) {
    if (i >= text.length) throw new TemplateError('unterminated quote', text, open)
    const c = text[i] as string
    if (c === '"') {
      if (i + 1 < text.length && !isBlank(text[i + 1])) throw new TemplateError('text right after a closing quote', text, i + 1)
      return i + 1
    }
    if (c === '\\') {
      const next = text[i + 1]
      if (next === undefined) throw new TemplateError('unterminated quote', text, open)
      if (next !== '"' && next !== '\\') throw new TemplateError(`unknown escape \\${next} (only \\" and \\\\)`, text, i)
      parts.text(next)
      i += 2
    } else if (c === '$' && text[i + 1] === '{') i = readPlaceholder(text, i, parts)
    else {
      parts.text(c)
      i++
    }
  }
}

/** `text[at]` is the `$` of `${`; returns the offset after the closing `}`. */
function readPlaceholder(text: string, at: number, parts: Parts): number {
  const close = text.indexOf('}', at + 2)
  if (close < 0) throw new TemplateError('unterminated ${ (no closing })', text, at)
  const name = text.slice(at + 2, close)
  if (name === '') throw new TemplateError('empty placeholder ${}', text, at)
  if (!placeholderName.test(name)) {
    throw new TemplateError(`bad placeholder name ${JSON.stringify(name)} (want a or a.b.c, segments of A-Z a-z 0-9 _)`, text, at)
  }
  parts.placeholder(name.split('.'))
  return close + 1
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t'
}

/** Collects one argument's parts, merging adjacent literal characters. */
class Parts {
  private readonly done: TemplatePart[] = []
  private pending = ''

  text(s: string): void {
    this.pending += s
  }

  placeholder(path: readonly string[]): void {
    this.flush()
    this.done.push({ kind: 'var', path })
  }

  finish(): TemplateArg {
    this.flush()
    return this.done
  }

  private flush(): void {
    if (this.pending !== '') this.done.push({ kind: 'text', text: this.pending })
    this.pending = ''
  }
}
