// A tiny classic-BPF assembler for seccomp filters: code is emitted with symbolic forward
// labels, then laid out so that no conditional jump needs more than the 8-bit jt/jf offsets
// allow; a jump that would is rewritten to go through BPF_JA, whose offset is 32 bits.

/** A forward jump target; place it with Assembler.place. */
export interface Label {
  readonly id: number;
}

export type Condition = 'jeq' | 'jgt' | 'jge' | 'jset';

type Insn =
  | { op: 'ld'; offset: number }
  | { op: 'and'; k: number }
  | { op: 'jmp'; cond: Condition; k: number; jt: Label; jf: Label }
  | { op: 'ja'; to: Label }
  | { op: 'ret'; k: number }
  | { op: 'place'; label: Label };

// How a conditional jump is laid out: 'short' fits in one instruction; 'farTrue' and
// 'farFalse' add one BPF_JA for that branch; 'far' adds one for each.
type Form = 'short' | 'farTrue' | 'farFalse' | 'far';
const SIZE: Record<Form, number> = { short: 1, farTrue: 2, farFalse: 2, far: 3 };

// Opcodes from linux/bpf_common.h.
const LD_W_ABS = 0x20;
const ALU_AND_K = 0x54;
const JMP_JA = 0x05;
const RET_K = 0x06;
const JMP_K: Record<Condition, number> = { jeq: 0x15, jgt: 0x25, jge: 0x35, jset: 0x45 };
const MAX_OFFSET = 255;

/** The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
export const BPF_MAX_INSTRUCTIONS = 4096;

export class Assembler {
  private readonly code: Insn[] = [];
  private labels = 0;

  label(): Label {
    return { id: this.labels++ };
  }

  place(label: Label): void {
    this.code.push({ op: 'place', label });
  }

  /** A = the 32-bit word at `offset` in struct seccomp_data. */
  load(offset: number): void {
    this.code.push({ op: 'ld', offset });
  }

  and(k: number): void {
    this.code.push({ op: 'and', k: k >>> 0 });
  }

  jump(cond: Condition, k: number, jt: Label, jf: Label): void {
    this.code.push({ op: 'jmp', cond, k: k >>> 0, jt, jf });
  }

  goto(to: Label): void {
    this.code.push({ op: 'ja', to });
  }

  ret(k: number): void {
    this.code.push({ op: 'ret', k: k >>> 0 });
  }

  /** The program as struct sock_filter[] in this machine's (little-endian) byte order. */
  assemble(): Buffer {
    const forms = this.relax();
    const { positions, length } = this.layout(forms);
    const out = Buffer.alloc(length * 8);
    let at = 0;
    const put = (code: number, jt: number, jf: number, k: number) => {
      out.writeUInt16LE(code, at * 8);
      out.writeUInt8(jt, at * 8 + 2);
      out.writeUInt8(jf, at * 8 + 3);
      out.writeUInt32LE(k >>> 0, at * 8 + 4);
      at++;
    };
    this.code.forEach((insn, i) => {
      if (insn.op === 'ld') put(LD_W_ABS, 0, 0, insn.offset);
      else if (insn.op === 'and') put(ALU_AND_K, 0, 0, insn.k);
      else if (insn.op === 'ret') put(RET_K, 0, 0, insn.k);
      else if (insn.op === 'ja') put(JMP_JA, 0, 0, positions.get(insn.to.id)! - (at + 1));
      else if (insn.op === 'jmp') this.emitJump(insn, forms[i]!, positions, at, put); // put() advances `at`
    });
    return out;
  }

  private emitJump(insn: Extract<Insn, { op: 'jmp' }>, form: Form, positions: Map<number, number>, at: number,
    put: (code: number, jt: number, jf: number, k: number) => void): void {
    const toTrue = positions.get(insn.jt.id)! - (at + 1);
    const toFalse = positions.get(insn.jf.id)! - (at + 1);
    const code = JMP_K[insn.cond];
    // Offsets count from the instruction after the jump; each BPF_JA added moves its own
    // start one further on, hence the -1 and -2.
    if (form === 'short') {
      put(code, toTrue, toFalse, insn.k);
    } else if (form === 'farFalse') {
      put(code, toTrue, 0, insn.k);
      put(JMP_JA, 0, 0, toFalse - 1);
    } else if (form === 'farTrue') {
      put(code, 0, toFalse, insn.k);
      put(JMP_JA, 0, 0, toTrue - 1);
    } else {
      put(code, 0, 1, insn.k);
      put(JMP_JA, 0, 0, toTrue - 1);
      put(JMP_JA, 0, 0, toFalse - 2);
    }
  }

  /** Widens jumps until every offset fits; widening only lengthens others, so this ends. */
  private relax(): Form[] {
    const forms: Form[] = this.code.map(() => 'short');
    for (let changed = true; changed;) {
      changed = false;
      const { positions, starts } = this.layout(forms);
      this.code.forEach((insn, i) => {
        if (insn.op !== 'jmp') return;
        const next = starts[i]! + 1;
        const farTrue = this.distance(positions, insn.jt, next) > MAX_OFFSET;
        const farFalse = this.distance(positions, insn.jf, next) > MAX_OFFSET;
        const wanted = widen(forms[i]!, farTrue, farFalse);
        if (wanted !== forms[i]) forms[i] = wanted, (changed = true);
      });
    }
    return forms;
  }

  private distance(positions: Map<number, number>, label: Label, from: number): number {
    const to = positions.get(label.id);
    if (to === undefined) throw new Error(`BPF label ${label.id} was never placed`);
    if (to < from) throw new Error(`BPF label ${label.id} is behind its jump: classic BPF only jumps forward`);
    return to - from;
  }

  private layout(forms: Form[]): { positions: Map<number, number>; starts: number[]; length: number } {
    const positions = new Map<number, number>();
    const starts: number[] = [];
    let at = 0;
    this.code.forEach((insn, i) => {
      starts.push(at);
      if (insn.op === 'place') positions.set(insn.label.id, at);
      else at += insn.op === 'jmp' ? SIZE[forms[i]!] : 1;
    });
    return { positions, starts, length: at };
  }
}

function widen(form: Form, farTrue: boolean, farFalse: boolean): Form {
  const t = farTrue || form === 'farTrue' || form === 'far';
  const f = farFalse || form === 'farFalse' || form === 'far';
  return t && f ? 'far' : t ? 'farTrue' : f ? 'farFalse' : 'short';
}
