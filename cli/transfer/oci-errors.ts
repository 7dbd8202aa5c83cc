/** The first error code of a registry's OCI error JSON, and all its messages; the raw text when it is not that JSON. */
export function ociErrorOf(text: string): { code: string | undefined; detail: string } {
  try {
    const errors = (JSON.parse(text) as { errors?: { code: string; message: string }[] }).errors ?? [];
    if (errors.length) return { code: errors[0]!.code, detail: errors.map((error) => error.message).join('; ') };
  } catch {
    // not the registry's JSON
  }
  return { code: undefined, detail: text };
}
