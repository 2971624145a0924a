// kc's exact arithmetic, the semantics of the Python backend's scalar code.
// Values are BigInt integers, Q (exact non-integral rationals) or Numbers (floats).
"use strict";
const R = (() => {
  class Q { constructor(n, d) { this.n = n; this.d = d; } }
  class KcError extends Error {}
  const fail = (message) => { throw new KcError(message); };
  const big = (x) => typeof x === "bigint";
  const babs = (x) => (x < 0n ? -x : x);
  const gcd = (a, b) => { a = babs(a); b = babs(b); while (b) { [a, b] = [b, a % b]; } return a; };
  const bits = (x) => (x === 0n ? 0 : babs(x).toString(2).length);
  function q(n, d) {
    if (d === 0n) fail("division by zero");
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n, d);
    if (g !== 1n) { n /= g; d /= g; }
    return d === 1n ? n : new Q(n, d);
  }
  const num = (x) => (big(x) ? x : x.n);
  const den = (x) => (big(x) ? 1n : x.d);
  const LIMIT = 2n ** 53n;
  function ratio(n, d) {
    // n / d correctly rounded, as Python divides ints; OverflowError past the largest float
    if (babs(n) < LIMIT && d < LIMIT) return Number(n) / Number(d);
    const negative = n < 0n; n = babs(n);
    let k = bits(d) - bits(n) + 55, a = n, b = d;
    if (k > 0) a <<= BigInt(k); else b <<= BigInt(-k);
    let quotient = a / b;
    if (a % b !== 0n) quotient |= 1n;
    let value = Number(quotient);
    while (k > 1000) { value /= 2 ** 1000; k -= 1000; }
    while (k < -1000) { value *= 2 ** 1000; k += 1000; }
    value /= 2 ** k;
    if (!Number.isFinite(value)) fail("integer division result too large for a float");
    return negative ? -value : value;
  }
  function float(x) {
    if (typeof x === "number") return x;
    if (big(x)) {
      const value = Number(x);
      if (!Number.isFinite(value)) fail("int too large to convert to float");
      return value;
    }
    return ratio(x.n, x.d);
  }
  function exactOf(f) {
    // the exact value of a finite float, as a BigInt or Q
    if (Number.isInteger(f)) return BigInt(f);
    let d = 1n;
    while (!Number.isInteger(f)) { f *= 2; d *= 2n; }
    return q(BigInt(f), d);
  }
  function compare(a, b) {
    // -1, 0 or 1 exactly, as Python compares ints, Fractions and floats; NaN for a NaN
    if (big(a) && big(b)) return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === "number" && Number.isNaN(a)) return NaN;
    if (typeof b === "number" && Number.isNaN(b)) return NaN;
    if (typeof a === "number" && !Number.isFinite(a)) return typeof b === "number" && a === b ? 0 : a > 0 ? 1 : -1;
    if (typeof b === "number" && !Number.isFinite(b)) return b > 0 ? -1 : 1;
    if (typeof a === "number") a = exactOf(a);
    if (typeof b === "number") b = exactOf(b);
    const left = num(a) * den(b), right = num(b) * den(a);
    return left < right ? -1 : left > right ? 1 : 0;
  }
  const exact = (a, b) => typeof a !== "number" && typeof b !== "number";
  function add(a, b) {
    if (big(a) && big(b)) return a + b;
    if (!exact(a, b)) return float(a) + float(b);
    return q(num(a) * den(b) + num(b) * den(a), den(a) * den(b));
  }
  function sub(a, b) {
    if (big(a) && big(b)) return a - b;
    if (!exact(a, b)) return float(a) - float(b);
    return q(num(a) * den(b) - num(b) * den(a), den(a) * den(b));
  }
  function mul(a, b) {
    if (big(a) && big(b)) return a * b;
    if (!exact(a, b)) return float(a) * float(b);
    return q(num(a) * num(b), den(a) * den(b));
  }
  function div(a, b) {
    if (exact(a, b)) {
      if (num(b) === 0n) fail("division by zero");
      return q(num(a) * den(b), den(a) * num(b));
    }
    const divisor = float(b);
    if (divisor === 0) fail("float division by zero");
    return float(a) / divisor;
  }
  function ifdiv(a, b) {
    if (b === 0n) fail("integer division or modulo by zero");
    const quotient = a / b;
    return a % b !== 0n && (a < 0n) !== (b < 0n) ? quotient - 1n : quotient;
  }
  function imod(a, b) {
    if (b === 0n) fail("integer division or modulo by zero");
    const rest = a % b;
    return rest !== 0n && (rest < 0n) !== (b < 0n) ? rest + b : rest;
  }
  function floatDivmod(x, y) {
    // CPython's float_divmod
    if (y === 0) fail("float modulo");
    let mod = x % y, div = (x - mod) / y, floordiv;
    if (mod) { if ((y < 0) !== (mod < 0)) { mod += y; div -= 1; } } else { mod = Object.is(y, -0) || y < 0 ? -0 : 0; }
    if (div) { floordiv = Math.floor(div); if (div - floordiv > 0.5) floordiv += 1; } else { floordiv = (x / y < 0 || Object.is(x / y, -0)) ? -0 : 0; }
    return [floordiv, mod];
  }
  function fdiv(a, b) {
    if (big(a) && big(b)) return ifdiv(a, b);
    if (!exact(a, b)) return floatDivmod(float(a), float(b))[0];
    return ifdiv(num(a) * den(b), den(a) * num(b));
  }
  function mod(a, b) {
    if (big(a) && big(b)) return imod(a, b);
    if (!exact(a, b)) return floatDivmod(float(a), float(b))[1];
    return q(imod(num(a) * den(b), num(b) * den(a)), den(a) * den(b));
  }
  function floatPow(x, y) {
    if (x === 0 && y < 0) fail("0.0 cannot be raised to a negative power");
    if (x < 0 && Number.isFinite(y) && !Number.isInteger(y)) fail("a negative number to a fractional power has no real value");
    const value = x ** y;
    if (!Number.isFinite(value) && Number.isFinite(x) && Number.isFinite(y)) fail("numerical result out of range");
    return value;
  }
  function npow(a, b) {
    // a ** b as Python computes it; b a non-negative integer, or anything for float bases
    if (exact(a, b) && big(b)) {
      if (b >= 0n) return big(a) ? a ** b : q(a.n ** b, a.d ** b);
      if (num(a) === 0n) fail("zero to a negative power");
      return q(den(a) ** -b, num(a) ** -b);
    }
    return floatPow(float(a), float(b));
  }
  function pow(a, b) {
    // the Python backend's _pow
    if (!big(a) && !(typeof a === "number") && big(b)) {
      const width = Math.max(bits(a.n), bits(a.d));
      if (Math.abs(Number(b)) * width > 4096) return floatPow(float(a), Number(b));
    }
    return npow(a, b);
  }
  const neg = (a) => (big(a) ? -a : typeof a === "number" ? -a : new Q(-a.n, a.d));
  const t = (a) => !(a === 0n || a === 0);
  const eq = (a, b) => compare(a, b) === 0;
  const ne = (a, b) => compare(a, b) !== 0;
  const lt = (a, b) => compare(a, b) < 0;
  const le = (a, b) => compare(a, b) <= 0;
  const gt = (a, b) => compare(a, b) > 0;
  const ge = (a, b) => compare(a, b) >= 0;
  function min(...values) { let best = values[0]; for (const value of values.slice(1)) if (lt(value, best)) best = value; return best; }
  function max(...values) { let best = values[0]; for (const value of values.slice(1)) if (gt(value, best)) best = value; return best; }
  function imin(...values) { let best = values[0]; for (const value of values) if (value < best) best = value; return best; }
  function imax(...values) { let best = values[0]; for (const value of values) if (value > best) best = value; return best; }
  const iabs = babs;
  function abs(a) { return big(a) ? babs(a) : typeof a === "number" ? Math.abs(a) : new Q(babs(a.n), a.d); }
  function floor(a) { return big(a) ? a : typeof a === "number" ? (Number.isFinite(a) ? Math.floor(a) : a) : ifdiv(a.n, a.d); }
  function ceil(a) { return big(a) ? a : typeof a === "number" ? (Number.isFinite(a) ? Math.ceil(a) : a) : -ifdiv(-a.n, a.d); }
  function isqrt(n) {
    if (n < 2n) return n;
    let x = 1n << BigInt(Math.ceil(bits(n) / 2)), y = (x + n / x) >> 1n;
    while (y < x) { x = y; y = (x + n / x) >> 1n; }
    return x;
  }
  function sqrt(a) {
    if (typeof a !== "number" && num(a) >= 0n) {
      const top = isqrt(num(a)), bottom = isqrt(den(a));
      if (top * top === num(a) && bottom * bottom === den(a)) return q(top, bottom);
    }
    const x = float(a);
    if (x < 0) fail("math domain error");
    return Math.sqrt(x);
  }
  function log2(a) {
    if (typeof a !== "number" && num(a) > 0n) {
      const top = num(a), bottom = den(a);
      if ((top & (top - 1n)) === 0n && (bottom & (bottom - 1n)) === 0n) return BigInt(bits(top) - bits(bottom));
      if (big(a) && !Number.isFinite(Number(a))) { const shift = bits(a) - 60; return Math.log2(Number(a >> BigInt(shift))) + shift; }
    }
    const x = float(a);
    if (!(x > 0)) fail("math domain error");
    return Math.log2(x);
  }
  function text(x) {
    // the value as kc writes it: 12, 3/4, or a float's shortest decimal
    if (big(x)) return x.toString();
    if (x instanceof Q) return `${x.n}/${x.d}`;
    return String(x);
  }
  function parse(text) {
    // a number as kc eval's --set takes it: 12, 1.5, 1e3, 3/4, 1_000 (exact)
    const clean = text.trim().replace(/_/g, "");
    let match = /^([+-]?)(\d+)\/(\d+)$/.exec(clean);
    if (match) return q(BigInt(match[1] + match[2]), BigInt(match[3]));
    match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(clean);
    if (!match || (match[2] === "" && (match[3] || "") === "")) return null;
    const digits = BigInt(match[1] + (match[2] || "0") + (match[3] || ""));
    const exponent = Number(match[4] || 0) - (match[3] || "").length;
    if (Math.abs(exponent) > 400) return null;
    return exponent >= 0 ? digits * 10n ** BigInt(exponent) : q(digits, 10n ** BigInt(-exponent));
  }
  return { Q, KcError, q, float, ratio, compare, add, sub, mul, div, fdiv, mod, ifdiv, imod, npow, pow, neg, t, eq, ne, lt, le, gt, ge,
    min, max, imin, imax, iabs, abs, floor, ceil, sqrt, log2, text, parse, big };
})();
