// The gateway reads supabase/functions/.env with dotenv's parser: quotes, escapes, comments,
// multi-line values and `export` as dotenv documents them; SUPABASE_ names skipped as the CLI
// skips them; a missing file is no secrets.
import { parseFunctionsEnv, readFunctionsEnv } from "../../scripts/local/gateway/config.ts";

function assertEquals(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

/** [what, the .env lines, what the functions see] */
const cases: [string, string[], Record<string, string>][] = [
  [
    "plain, quoted and spaced values; export",
    ["PLAIN=value", "SPACED = around the equals  ", "DOUBLE=\"double quoted\"", "SINGLE='single quoted'", "BACKTICK=`back ticked`",
      "export EXPORTED=yes", "EMPTY=", "URL=postgres://u:p@h:5432/db?sslmode=require", "EQUALS=a=b=c"],
    { PLAIN: "value", SPACED: "around the equals", DOUBLE: "double quoted", SINGLE: "single quoted", BACKTICK: "back ticked",
      EXPORTED: "yes", EMPTY: "", URL: "postgres://u:p@h:5432/db?sslmode=require", EQUALS: "a=b=c" },
  ],
  [
    "escapes expand in double quotes only",
    ["NEWLINE=\"one\\ntwo\"", "RETURN=\"a\\rb\"", "LITERAL='one\\ntwo'", "BARE=one\\ntwo"],
    { NEWLINE: "one\ntwo", RETURN: "a\rb", LITERAL: "one\\ntwo", BARE: "one\\ntwo" },
  ],
  [
    "comments, blank lines and CRLF",
    ["# a comment line", "", "   ", "AFTER=value # a trailing comment", "HASH_QUOTED=\"not # a comment\"", "WINDOWS=crlf\r", "LAST=1"],
    { AFTER: "value", HASH_QUOTED: "not # a comment", WINDOWS: "crlf", LAST: "1" },
  ],
  [
    "multi-line quoted values",
    ["KEY=\"-----BEGIN KEY-----", "line two", "-----END KEY-----\"", "NEXT='a", "b'", "AFTER=1"],
    { KEY: "-----BEGIN KEY-----\nline two\n-----END KEY-----", NEXT: "a\nb", AFTER: "1" },
  ],
  [
    "names starting SUPABASE_ are skipped, others kept; a later line wins",
    ["SUPABASE_URL=http://must-be-ignored", "export SUPABASE_DB_URL=x", "MY_SUPABASE_URL=kept", "DUP=first", "DUP=second"],
    { MY_SUPABASE_URL: "kept", DUP: "second" },
  ],
];

for (const [what, lines, expected] of cases) {
  Deno.test(`.env: ${what}`, () => assertEquals(parseFunctionsEnv(`${lines.join("\n")}\n`), expected));
}

Deno.test(".env: a missing file is no secrets", () => {
  assertEquals(readFunctionsEnv("/nonexistent/assistant-platform/functions.env"), {});
});
