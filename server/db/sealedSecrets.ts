import type { Knex } from 'knex';
import type { SecretBox } from '../secrets/secretBox.ts';

// The columns that hold secrets, stored sealed (secrets/secretBox.ts) with the
// id of the key-encryption key beside each value (kek_id). Everything that
// reads or writes them goes through here: the repositories, migration 002 and
// `npm run secrets -- rotate`.

export interface SealedColumn {
  table: 'tenant_keys' | 'signing_keys';
  /** The row's primary key: part of the sealing context, so a value opens only in its own row. */
  idColumn: string;
  valueColumn: string;
  /** Which rows hold a secret (tenant_keys also holds public keys and JWKS URLs, stored in clear). */
  secretRows: Record<string, string>;
}

export const TENANT_SECRETS: SealedColumn = { table: 'tenant_keys', idColumn: 'id', valueColumn: 'material', secretRows: { kind: 'secret' } };
export const SIGNING_SECRETS: SealedColumn = { table: 'signing_keys', idColumn: 'kid', valueColumn: 'secret', secretRows: {} };
export const SEALED_COLUMNS: readonly SealedColumn[] = [TENANT_SECRETS, SIGNING_SECRETS];

/** The column beside each sealed value: the id of the key that sealed it (null: stored in clear). */
export const KEK_ID = 'kek_id';

const contextOf = (column: SealedColumn, rowId: string) => `${column.table}.${column.valueColumn}/${rowId}`;

/** The column values that store `plaintext` sealed in row `rowId`. */
export function sealedValues(box: SecretBox, column: SealedColumn, rowId: string, plaintext: string): Record<string, string> {
  const sealed = box.seal(plaintext, contextOf(column, rowId));
  return { [column.valueColumn]: sealed.value, [KEK_ID]: sealed.keyId };
}

/** The plaintext of a stored row; throws SecretUnreadable when it cannot be opened here. */
export function openedValue(box: SecretBox, column: SealedColumn, row: Record<string, unknown>): string {
  return box.open({ value: String(row[column.valueColumn]), keyId: String(row[KEK_ID]) }, contextOf(column, String(row[column.idColumn])));
}

/**
 * Seals every stored secret with the box's current key: values sealed by
 * another key are opened and sealed again (a rotation), values stored in clear
 * (before migration 002) are sealed as they are. Each row changes in one
 * update, so an interrupted run leaves every row readable; running it again
 * finishes the job. Returns how many values were rewritten.
 */
export async function sealAllSecrets(db: Knex, box: SecretBox): Promise<number> {
  let rewritten = 0;
  for (const column of SEALED_COLUMNS) {
    const rows: Array<Record<string, unknown>> = await db(column.table)
      .select(column.idColumn, column.valueColumn, KEK_ID)
      .where(column.secretRows)
      .andWhere((q) => q.whereNull(KEK_ID).orWhereNot(KEK_ID, box.keyId));
    for (const row of rows) {
      const plaintext = row[KEK_ID] === null ? String(row[column.valueColumn]) : openedValue(box, column, row);
      const id = String(row[column.idColumn]);
      await db(column.table).where(column.idColumn, id).update(sealedValues(box, column, id, plaintext));
      rewritten++;
    }
  }
  return rewritten;
}

/** How many stored secrets each key sealed, per table (key id null: stored in clear). */
export async function secretsByKeyId(db: Knex): Promise<Array<{ table: string; keyId: string | null; count: number }>> {
  const counts = [];
  for (const column of SEALED_COLUMNS) {
    const rows: Array<{ kek_id: string | null; n: number | string }> = await db(column.table).where(column.secretRows).select(KEK_ID).count({ n: '*' }).groupBy(KEK_ID);
    for (const row of rows) counts.push({ table: column.table, keyId: row.kek_id, count: Number(row.n) });
  }
  return counts;
}

/** Stored secrets that `box` cannot open (their key is not configured), for a clear refusal at start. */
export async function unreadableSecrets(db: Knex, box: SecretBox): Promise<string[]> {
  return (await secretsByKeyId(db)).filter((c) => c.keyId === null || !box.knows(c.keyId)).map((c) =>
    c.keyId === null ? `${c.count} value(s) in ${c.table} stored in clear` : `${c.count} value(s) in ${c.table} sealed with key id ${c.keyId}`,
  );
}
