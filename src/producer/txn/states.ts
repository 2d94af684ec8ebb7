/**
 * The transaction states of the Java producer's TransactionManager and the transitions it
 * allows. FATAL_ERROR is reachable from anywhere and left by nothing but close().
 */
export type TxnState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR'

const ALLOWED_FROM: Record<Exclude<TxnState, 'FATAL_ERROR'>, readonly TxnState[]> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
}

export function isTransitionValid(from: TxnState, to: TxnState): boolean {
  if (to === 'FATAL_ERROR') return true
  return ALLOWED_FROM[to].includes(from)
}
