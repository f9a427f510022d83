// A classic-BPF interpreter for the instructions our seccomp compiler emits, for tests: it
// runs a program against a synthetic struct seccomp_data the way the kernel would, and
// checks what the kernel's verifier checks (jumps in range, ends in ret, aligned loads).

export interface SeccompData {
  nr: number;
  arch: number;
  args?: readonly bigint[];
  instructionPointer?: bigint;
}

export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const SECCOMP_DATA_SIZE = 64;

export function decode(program: Buffer): Instruction[] {
  if (program.length === 0 || program.length % 8 !== 0) throw new Error(`program length ${program.length} is not a multiple of 8`);
  const out: Instruction[] = [];
  for (let at = 0; at < program.length; at += 8) {
    out.push({ code: program.readUInt16LE(at), jt: program.readUInt8(at + 2), jf: program.readUInt8(at + 3), k: program.readUInt32LE(at + 4) });
  }
  return out;
}

/** Throws the first problem the kernel's sk_chk_filter/seccomp_check_filter would reject. */
export function verify(program: Buffer): Instruction[] {
  const code = decode(program);
  if (code.length > 4096) throw new Error(`${code.length} instructions, above BPF_MAXINSNS`);
  code.forEach((insn, pc) => {
    const inRange = (offset: number) => pc + 1 + offset < code.length;
    switch (insn.code) {
      case 0x20:
        if (insn.k % 4 !== 0 || insn.k >= SECCOMP_DATA_SIZE) throw new Error(`pc ${pc}: load at ${insn.k} outside seccomp_data`);
        break;
      case 0x54: case 0x06: break;
      case 0x05:
        if (!inRange(insn.k)) throw new Error(`pc ${pc}: ja +${insn.k} leaves the program`);
        break;
      case 0x15: case 0x25: case 0x35: case 0x45:
        if (!inRange(insn.jt) || !inRange(insn.jf)) throw new Error(`pc ${pc}: conditional jump leaves the program`);
        break;
      default:
        throw new Error(`pc ${pc}: unexpected opcode 0x${insn.code.toString(16)}`);
    }
  });
  if (code.at(-1)!.code !== 0x06) throw new Error('the program does not end in ret');
  return code;
}

function dataBuffer(data: SeccompData): Buffer {
  const buffer = Buffer.alloc(SECCOMP_DATA_SIZE);
  buffer.writeUInt32LE(data.nr >>> 0, 0);
  buffer.writeUInt32LE(data.arch >>> 0, 4);
  buffer.writeBigUInt64LE(data.instructionPointer ?? 0n, 8);
  (data.args ?? []).forEach((arg, i) => buffer.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + 8 * i));
  return buffer;
}

/** The seccomp return value the program gives, and how many instructions it ran. */
export function evaluate(program: Buffer | Instruction[], data: SeccompData): { ret: number; steps: number } {
  const code = Buffer.isBuffer(program) ? verify(program) : program;
  const memory = dataBuffer(data);
  let a = 0;
  for (let pc = 0, steps = 1; pc < code.length; pc++, steps++) {
    const { code: op, jt, jf, k } = code[pc]!;
    if (op === 0x20) a = memory.readUInt32LE(k);
    else if (op === 0x54) a = (a & k) >>> 0;
    else if (op === 0x06) return { ret: k >>> 0, steps };
    else if (op === 0x05) pc += k;
    else if (op === 0x15) pc += a === k ? jt : jf;
    else if (op === 0x25) pc += a > k ? jt : jf;
    else if (op === 0x35) pc += a >= k ? jt : jf;
    else if (op === 0x45) pc += (a & k) !== 0 ? jt : jf;
  }
  throw new Error('fell off the end of the program');
}
