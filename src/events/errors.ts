/**
 * Typed rejections of input events. A rejected input is logged, counted and
 * answered to the host; it never throws into the stream.
 */
import type { TopicProblem } from '../topics/topic.js'

export type InputErrorCode =
  | 'bad_shape'
  | 'unknown_type'
  | 'empty_client_id'
  | 'invalid_utf8'
  | 'bad_qos'
  | 'payload_too_large'
  | 'bad_topic'
  | 'bad_topic_filter'

export interface InputError {
  readonly _tag: 'InputError'
  readonly code: InputErrorCode
  /** The offending field, e.g. `topic`. */
  readonly field: string
  readonly message: string
  readonly topicProblem?: TopicProblem
}

export function inputError(
  code: InputErrorCode,
  field: string,
  message: string,
  topicProblem?: TopicProblem,
): InputError {
  return topicProblem === undefined
    ? { _tag: 'InputError', code, field, message }
    : { _tag: 'InputError', code, field, message, topicProblem }
}

/** Thrown by engine methods that cannot answer with an Either (e.g. submit after close). */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError'
  constructor() {
    super('the engine is closed and accepts no more events')
  }
}
