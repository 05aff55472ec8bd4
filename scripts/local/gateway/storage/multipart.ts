// A small multipart/form-data reader. Deno's Request.formData() drops parts with an empty field
// name, and storage-js sends the file under exactly that name.

export interface Part {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Uint8Array;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]).trim() : null;
}

/** The parts of a multipart body, or null when it is not well formed. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] | null {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const delimiter = enc.encode(`--${boundary}`);
  const parts: Part[] = [];
  let pos = indexOf(body, delimiter, 0);
  if (pos < 0) return null;
  while (true) {
    pos += delimiter.length;
    if (body[pos] === 45 && body[pos + 1] === 45) return parts; // "--": the closing delimiter
    if (body[pos] === 13 && body[pos + 1] === 10) pos += 2;
    const headerEnd = indexOf(body, enc.encode("\r\n\r\n"), pos);
    if (headerEnd < 0) return null;
    const headers = dec.decode(body.subarray(pos, headerEnd)).split("\r\n");
    const next = indexOf(body, enc.encode(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) return null;
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? "";
    const type = headers.find((h) => /^content-type:/i.test(h));
    const name = /\bname="([^"]*)"/i.exec(disposition);
    const filename = /\bfilename="([^"]*)"/i.exec(disposition);
    parts.push({
      name: name ? name[1] : "",
      filename: filename ? filename[1] : null,
      contentType: type ? type.slice(type.indexOf(":") + 1).trim() : null,
      data: body.slice(headerEnd + 4, next),
    });
    pos = next + 2;
  }
}
