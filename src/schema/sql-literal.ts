/**
 * The one way our generated SQL writes a literal. Values from users never come here: they travel as
 * query parameters. This is for our own texts (rule ids, patterns, the configured cluster and database)
 * that DDL and the generated views must spell out, where a parameter cannot stand.
 */

/** A text as the inside of a ClickHouse string literal (a regex backslash is written `\\` in the SQL). */
export const sqlStringBody = (text: string): string => text.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** A text as a ClickHouse string literal. */
export const sqlString = (text: string): string => `'${sqlStringBody(text)}'`;

/** A name as a backquoted identifier; a backquote in it is dropped, never escaped into a second name. */
export const sqlIdentifier = (name: string): string => `\`${name.replace(/`/g, '')}\``;
