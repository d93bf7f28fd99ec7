// Just enough of the D-Bus wire protocol (dbus-specification, "Message Protocol") for the Secret
// Service reads on the hot path of `get`: SASL EXTERNAL authentication over the session bus's unix
// socket, method calls, and the replies' bodies. Little-endian, no unix fds, no signals. The
// keychain library stays for everything else; this exists because its read costs ~10 ms (an
// encrypted session negotiated per process, measured) where the same calls over a plain session
// cost ~1 ms, and the only pure-JS D-Bus library (dbus-next, unmaintained since 2020) takes 28 ms
// to load (measured).
import { connect, type Socket } from 'node:net';

export type DbusValue = string | number | boolean | Buffer | DbusValue[] | Map<DbusValue, DbusValue> | { signature: string; value: DbusValue };

/** A D-Bus variant to send: its signature and value. */
export function variant(signature: string, value: DbusValue): { signature: string; value: DbusValue } {
  return { signature, value };
}

const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, v: 1, a: 4, '(': 8, '{': 8, h: 4 };

/** Splits a signature into complete types ("a{ss}ao" → ["a{ss}", "ao"]). */
function splitSignature(signature: string): string[] {
  const types: string[] = [];
  let i = 0;
  const one = (): string => {
    const start = i;
    const c = signature[i++];
    if (c === 'a') one();
    else if (c === '(' || c === '{') {
      const close = c === '(' ? ')' : '}';
      while (signature[i] !== close) {
        if (i >= signature.length) throw new Error(`bad D-Bus signature ${signature}`);
        one();
      }
      i++;
    } else if (c === undefined || !(c in ALIGN)) throw new Error(`unsupported D-Bus type ${c} in ${signature}`);
    return signature.slice(start, i);
  };
  while (i < signature.length) types.push(one());
  return types;
}

class Writer {
  private chunks: Buffer[] = [];
  length = 0;

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    if (pad) this.push(Buffer.alloc(pad));
  }

  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  write(type: string, value: DbusValue): void {
    const c = type[0]!;
    this.align(ALIGN[c]!);
    switch (c) {
      case 'y':
        this.push(Buffer.from([value as number]));
        return;
      case 'b':
      case 'u':
      case 'i': {
        const b = Buffer.alloc(4);
        if (c === 'i') b.writeInt32LE(value as number);
        else b.writeUInt32LE(c === 'b' ? (value ? 1 : 0) : (value as number));
        this.push(b);
        return;
      }
      case 's':
      case 'o': {
        const text = Buffer.from(value as string, 'utf8');
        const b = Buffer.alloc(4);
        b.writeUInt32LE(text.length);
        this.push(b);
        this.push(text);
        this.push(Buffer.alloc(1));
        return;
      }
      case 'g': {
        const text = Buffer.from(value as string, 'utf8');
        this.push(Buffer.from([text.length]));
        this.push(text);
        this.push(Buffer.alloc(1));
        return;
      }
      case 'v': {
        const { signature, value: inner } = value as { signature: string; value: DbusValue };
        this.write('g', signature);
        this.write(signature, inner);
        return;
      }
      case 'a': {
        const element = type.slice(1);
        const lengthAt = this.length;
        this.push(Buffer.alloc(4));
        this.align(ALIGN[element[0]!]!);
        const start = this.length;
        if (element[0] === '{') {
          const [keyType, valueType] = splitSignature(element.slice(1, -1));
          for (const [k, v] of value as Map<DbusValue, DbusValue>) {
            this.align(8);
            this.write(keyType!, k);
            this.write(valueType!, v);
          }
        } else if (element === 'y') {
          this.push(value as Buffer);
        } else {
          for (const item of value as DbusValue[]) this.write(element, item);
        }
        this.patchUInt32(lengthAt, this.length - start);
        return;
      }
      case '(': {
        const fields = splitSignature(type.slice(1, -1));
        (value as DbusValue[]).forEach((field, index) => this.write(fields[index]!, field));
        return;
      }
      default:
        throw new Error(`cannot write D-Bus type ${type}`);
    }
  }

  private patchUInt32(offset: number, value: number): void {
    const whole = Buffer.concat(this.chunks);
    whole.writeUInt32LE(value, offset);
    this.chunks = [whole];
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  constructor(
    private readonly buffer: Buffer,
    public offset = 0,
  ) {}

  align(n: number): void {
    this.offset += (n - (this.offset % n)) % n;
  }

  read(type: string): DbusValue {
    const c = type[0]!;
    this.align(ALIGN[c]!);
    const b = this.buffer;
    switch (c) {
      case 'y':
        return b.readUInt8(this.offset++);
      case 'b':
      case 'u':
      case 'i': {
        const v = c === 'i' ? b.readInt32LE(this.offset) : b.readUInt32LE(this.offset);
        this.offset += 4;
        return c === 'b' ? v === 1 : v;
      }
      case 'n':
      case 'q': {
        const v = c === 'n' ? b.readInt16LE(this.offset) : b.readUInt16LE(this.offset);
        this.offset += 2;
        return v;
      }
      case 'x':
      case 't':
      case 'd': {
        const v = c === 'd' ? b.readDoubleLE(this.offset) : Number(c === 'x' ? b.readBigInt64LE(this.offset) : b.readBigUInt64LE(this.offset));
        this.offset += 8;
        return v;
      }
      case 's':
      case 'o': {
        const length = b.readUInt32LE(this.offset);
        const text = b.toString('utf8', this.offset + 4, this.offset + 4 + length);
        this.offset += 4 + length + 1;
        return text;
      }
      case 'g': {
        const length = b.readUInt8(this.offset);
        const text = b.toString('utf8', this.offset + 1, this.offset + 1 + length);
        this.offset += 1 + length + 1;
        return text;
      }
      case 'v': {
        const signature = this.read('g') as string;
        return { signature, value: this.read(signature) };
      }
      case 'a': {
        const length = b.readUInt32LE(this.offset);
        this.offset += 4;
        const element = type.slice(1);
        this.align(ALIGN[element[0]!]!);
        const end = this.offset + length;
        if (end > b.length) throw new Error('D-Bus array runs past the message');
        if (element === 'y') {
          const bytes = Buffer.from(b.subarray(this.offset, end));
          this.offset = end;
          return bytes;
        }
        if (element[0] === '{') {
          const [keyType, valueType] = splitSignature(element.slice(1, -1));
          const map = new Map<DbusValue, DbusValue>();
          while (this.offset < end) {
            this.align(8);
            const key = this.read(keyType!);
            map.set(key, this.read(valueType!));
          }
          return map;
        }
        const items: DbusValue[] = [];
        while (this.offset < end) items.push(this.read(element));
        return items;
      }
      case '(': {
        return splitSignature(type.slice(1, -1)).map((field) => this.read(field));
      }
      default:
        throw new Error(`cannot read D-Bus type ${type}`);
    }
  }
}

interface Call {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DbusValue[];
}

const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, signature: 8 } as const;

/** A message: the header fields we use, and the body's values. */
interface Message {
  type: number;
  serial: number;
  replySerial?: number;
  errorName?: string;
  body: DbusValue[];
}

function encodeCall(call: Call, serial: number): Buffer {
  const body = new Writer();
  const types = call.signature ? splitSignature(call.signature) : [];
  types.forEach((type, index) => body.write(type, call.body![index]!));
  const bodyBuffer = body.buffer();
  const fields: DbusValue[] = [
    [FIELD.path, variant('o', call.path)],
    [FIELD.interface, variant('s', call.interface)],
    [FIELD.member, variant('s', call.member)],
    [FIELD.destination, variant('s', call.destination)],
    ...(call.signature ? [[FIELD.signature, variant('g', call.signature)]] : []),
  ];
  const header = new Writer();
  header.write('y', 'l'.charCodeAt(0));
  header.write('y', 1); // METHOD_CALL
  header.write('y', 0);
  header.write('y', 1); // protocol version
  header.write('u', bodyBuffer.length);
  header.write('u', serial);
  header.write('a(yv)', fields);
  header.align(8);
  return Buffer.concat([header.buffer(), bodyBuffer]);
}

/** Our replies are a few KiB; a bus announcing more is not followed (the spec allows 128 MiB). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Total length of the message at the start of `buffer`, or undefined until its header is there. */
function messageLength(buffer: Buffer): number | undefined {
  if (buffer.length < 16) return undefined;
  if (buffer[0] !== 'l'.charCodeAt(0)) throw new Error('big-endian D-Bus messages are not supported');
  const bodyLength = buffer.readUInt32LE(4);
  const fieldsLength = buffer.readUInt32LE(12);
  const headerLength = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8);
  if (headerLength + bodyLength > MAX_MESSAGE_BYTES) throw new Error('the session bus announced a message larger than 1 MiB');
  return headerLength + bodyLength;
}

function decodeMessage(buffer: Buffer): Message {
  const reader = new Reader(buffer, 12);
  const fields = reader.read('a(yv)') as Array<[number, { value: DbusValue }]>;
  reader.align(8);
  const message: Message = { type: buffer[1]!, serial: buffer.readUInt32LE(8), body: [] };
  let signature = '';
  for (const [code, { value }] of fields) {
    if (code === FIELD.replySerial) message.replySerial = value as number;
    else if (code === FIELD.errorName) message.errorName = value as string;
    else if (code === FIELD.signature) signature = value as string;
  }
  message.body = splitSignature(signature).map((type) => reader.read(type));
  return message;
}

/** The session bus's socket address: unix:path=… or unix:abstract=… (Linux). */
function socketPath(address: string | undefined): string {
  for (const candidate of (address ?? '').split(';')) {
    const [transport, rest] = candidate.split(':', 2);
    if (transport !== 'unix' || !rest) continue;
    const params = new Map(rest.split(',').map((kv) => kv.split('=', 2) as [string, string]));
    const path = params.get('path');
    if (path) return decodeURIComponent(path);
    const abstract = params.get('abstract');
    if (abstract) return `\0${decodeURIComponent(abstract)}`;
  }
  throw new Error('no unix session bus address');
}

export class DbusConnection {
  private serial = 0;
  private received: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the session bus closed the connection')));
  }

  /** Connects, authenticates as this uid (SASL EXTERNAL) and says Hello. */
  static async open(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<DbusConnection> {
    const socket = connect({ path: socketPath(env.DBUS_SESSION_BUS_ADDRESS) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('the session bus did not answer in time')));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const uid = String(process.getuid?.() ?? 0);
    socket.write(`\0AUTH EXTERNAL ${Buffer.from(uid).toString('hex')}\r\n`);
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes('\r\n')) {
          socket.off('data', onData);
          resolve(text);
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
    if (!line.startsWith('OK ')) {
      socket.destroy();
      throw new Error(`the session bus refused authentication: ${line.trim().slice(0, 80)}`);
    }
    socket.write('BEGIN\r\n');
    const connection = new DbusConnection(socket);
    await connection.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
    return connection;
  }

  async call(call: Call): Promise<DbusValue[]> {
    if (this.failure) throw this.failure;
    const serial = ++this.serial;
    const reply = new Promise<Message>((resolve, reject) => this.waiting.set(serial, { resolve, reject }));
    this.socket.write(encodeCall(call, serial));
    const message = await reply;
    if (message.type === 3) {
      const error = new Error(`${message.errorName ?? 'D-Bus error'}: ${typeof message.body[0] === 'string' ? message.body[0] : ''}`);
      (error as Error & { dbusName?: string }).dbusName = message.errorName;
      throw error;
    }
    return message.body;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
    for (;;) {
      let length: number | undefined;
      try {
        length = messageLength(this.received);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (length === undefined || this.received.length < length) return;
      const raw = this.received.subarray(0, length);
      this.received = this.received.subarray(length);
      let message: Message;
      try {
        message = decodeMessage(raw);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if ((message.type === 2 || message.type === 3) && message.replySerial !== undefined) {
        const waiter = this.waiting.get(message.replySerial);
        this.waiting.delete(message.replySerial);
        waiter?.resolve(message);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.socket.destroy();
  }
}
