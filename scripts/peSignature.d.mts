/** Removes a PE file's Authenticode signature; the signature's size, 0 when it had none. */
export function stripAuthenticode(file: string): number;
/** The certificate table's [file offset, size]; [0, 0] when the file is unsigned. */
export function certificateTableOf(file: string): [number, number];
