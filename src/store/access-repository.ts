/** Principals admitted at run time (`gateway access allow`), read on every message. */
export interface AccessRepository {
  /** True when any of the principals was granted access. */
  anyGranted(principals: readonly string[]): Promise<boolean>;
  /** Grants access; false when it was granted already. */
  grant(principal: string): Promise<boolean>;
  /** Revokes access; false when there was no grant. */
  revoke(principal: string): Promise<boolean>;
  /** Every grant, by principal. */
  list(): Promise<{ principal: string; grantedAt: number }[]>;
}
