// Removes the Authenticode signature from a Windows executable (PE/COFF), as `signtool remove /s` or
// `osslsigncode remove-signature` do, so that the build needs neither. Node's SEA guide asks for this
// before injecting a blob: the injection changes the signed bytes, and Windows then calls the file's
// signature corrupt instead of absent. The release workflow may sign the result afterwards with a
// certificate of its own (signtool sign, or osslsigncode sign on Linux); nothing here stops that.
// Layout per the PE format (learn.microsoft.com/windows/win32/debug/pe-format): the certificate table
// is data directory 4, its "address" is a file offset, and it sits at the end of the file.
import { readFileSync, writeFileSync } from 'node:fs';

const CERTIFICATE_TABLE = 4;

/** Offsets of the fields we touch, or an error for a file that is not a PE image. */
function peFields(image) {
  const pe = image.readUInt32LE(0x3c);
  if (image.toString('latin1', 0, 2) !== 'MZ' || image.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('not a PE executable');
  const optional = pe + 24;
  const magic = image.readUInt16LE(optional);
  if (magic !== 0x10b && magic !== 0x20b) throw new Error(`unknown PE optional header magic 0x${magic.toString(16)}`);
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const directoryCount = image.readUInt32LE(directories - 4);
  return { checksum: optional + 64, certificateTable: directoryCount > CERTIFICATE_TABLE ? directories + CERTIFICATE_TABLE * 8 : null };
}

/** The PE checksum (imagehlp's CheckSumMappedFile): 16-bit one's-complement sum, the field itself as 0, plus the length. */
function peChecksum(image, checksumOffset) {
  let sum = 0;
  for (let i = 0; i + 1 < image.length; i += 2) {
    if (i === checksumOffset || i === checksumOffset + 2) continue;
    sum += image.readUInt16LE(i);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (image.length % 2) sum += image[image.length - 1];
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + image.length) >>> 0;
}

/** @returns the size of the signature removed (0 when the file had none). */
export function stripAuthenticode(file) {
  let image = readFileSync(file);
  const fields = peFields(image);
  if (fields.certificateTable === null) return 0;
  const offset = image.readUInt32LE(fields.certificateTable);
  const size = image.readUInt32LE(fields.certificateTable + 4);
  if (offset === 0 || size === 0) return 0;
  // The table is the file's tail (8-byte aligned); anything after it would be data we do not know.
  if (offset + size < image.length - 7 || offset + size > image.length)
    throw new Error(`${file}: the certificate table is not at the end of the file; refusing to cut it out`);
  image = Buffer.from(image.subarray(0, offset));
  image.writeUInt32LE(0, fields.certificateTable);
  image.writeUInt32LE(0, fields.certificateTable + 4);
  image.writeUInt32LE(peChecksum(image, fields.checksum), fields.checksum);
  writeFileSync(file, image);
  return size;
}

/** The certificate table's [offset, size], for tests and for the build's own check. */
export function certificateTableOf(file) {
  const image = readFileSync(file);
  const { certificateTable } = peFields(image);
  return certificateTable === null ? [0, 0] : [image.readUInt32LE(certificateTable), image.readUInt32LE(certificateTable + 4)];
}
