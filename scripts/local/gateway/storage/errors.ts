// Supabase Storage's error body: {statusCode (the logical status, a string), code, error, message},
// sent with HTTP 400 for every non-500 error, as the real service does.

export class StorageError extends Error {
  constructor(
    readonly statusCode: string,
    readonly code: string,
    readonly error: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export const noSuchBucket = () => new StorageError("404", "NoSuchBucket", "Bucket not found", "Bucket not found");
export const noSuchKey = () => new StorageError("404", "NoSuchKey", "not_found", "Object not found");
export const duplicate = () => new StorageError("409", "Duplicate", "Duplicate", "The resource already exists");
export const accessDenied = (message = "new row violates row-level security policy") =>
  new StorageError("403", "AccessDenied", "Unauthorized", message);
export const invalidKey = (key: string) => new StorageError("400", "InvalidKey", "InvalidKey", `Invalid key: ${key}`);
export const invalidJwt = (message: string) => new StorageError("400", "InvalidJWT", "InvalidJWT", message);
export const invalidRequest = (message: string) => new StorageError("400", "InvalidRequest", "Invalid Request", message);
export const entityTooLarge = () => new StorageError("413", "EntityTooLarge", "Payload too large", "The object exceeded the maximum allowed size");
export const invalidMimeType = (type: string) =>
  new StorageError("415", "InvalidMimeType", "invalid_mime_type", `mime type ${type} is not supported`);

/**
 * Storage's error body for a status the gateway itself answers (before or around the service):
 * HTTP 400 as the service sends it, except 404, 405 and a crash's 5xx.
 */
export const gatewayStorageError = (status: number, code: string, message: string) =>
  storageErrorResponse(new StorageError(String(status), code, code, message, status === 405 || status === 404 || status >= 500 ? status : 400));

export function storageErrorResponse(err: unknown): Response {
  if (err instanceof StorageError) {
    return new Response(JSON.stringify({ statusCode: err.statusCode, code: err.code, error: err.error, message: err.message }), {
      status: err.httpStatus,
      headers: { "Content-Type": "application/json" },
    });
  }
  const pg = err as { code?: string; message?: string };
  if (pg.code === "42501") return storageErrorResponse(accessDenied(/row-level security/.test(pg.message ?? "") ? undefined : pg.message));
  if (pg.code === "23505") return storageErrorResponse(duplicate());
  if ((err as Error)?.name === "PostgresError" && /^2[23]/.test(pg.code ?? "")) {
    // A value the database refused: the caller's input (validation should have caught it first).
    console.error("storage: a value the database refused reached it", err);
    return storageErrorResponse(invalidRequest(`the database refused a value (SQLSTATE ${pg.code})`));
  }
  console.error("storage: internal error", err);
  return new Response(JSON.stringify({ statusCode: "500", code: "InternalError", error: "internal", message: "Internal Server Error" }), {
    status: 500,
    headers: { "Content-Type": "application/json" },
  });
}
