/**
 * Special functions behind the distributions of probability.ts: log-gamma, log-beta and the
 * regularized incomplete gamma and beta functions — the classical Lanczos / series / Lentz
 * continued-fraction algorithms (Numerical Recipes, 3rd ed., §6.1–6.4), ~1e-14 relative accuracy
 * over the ranges a report needs.
 */
export const DOUBLE_EPSILON = 2.220446049250313e-16;
/** Smallest magnitude kept in Lentz's algorithm so that no denominator becomes exactly zero. */
export const TINY = 1e-300;
export const LN_SQRT_2PI = 0.9189385332046728; // ln √(2π)
export const SQRT_2PI = 2.5066282746310002;

// Lanczos approximation with g = 7, n = 9 (Godfrey's coefficients): relative error < 2e-15.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/**
 * Natural logarithm of the gamma function, ln Γ(x), for x > 0.
 * @throws RangeError when x is not a positive finite number.
 */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range: Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += LANCZOS_COEFFICIENTS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * Remainder of Stirling's series, δ(x) = ln Γ(x) − ((x − ½)·ln x − x + ln √(2π)), for x ≥ 10
 * (error < 1e-16 there). Used to form differences of ln Γ at large arguments without cancellation.
 */
function stirlingRemainder(x: number): number {
  const inverse = 1 / x;
  const inverse2 = inverse * inverse;
  return (
    inverse *
    (1 / 12 +
      inverse2 *
        (-1 / 360 +
          inverse2 *
            (1 / 1260 + inverse2 * (-1 / 1680 + inverse2 * (1 / 1188 + inverse2 * (-691 / 360360 + inverse2 / 156))))))
  );
}

const STIRLING_THRESHOLD = 10;

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. When an argument is large the three
 * log-gammas are huge and nearly cancel (ln Γ(5e8) ≈ 1e10), so those cases are rearranged around
 * Stirling's series, the same way R's `lbeta` does.
 */
export function logBeta(a: number, b: number): number {
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new RangeError(`logBeta needs a, b > 0, got a=${a}, b=${b}`);
  }
  const small = Math.min(a, b);
  const big = Math.max(a, b);
  const sum = a + b;
  if (small >= STIRLING_THRESHOLD) {
    return (
      LN_SQRT_2PI -
      0.5 * Math.log(big) +
      (small - 0.5) * Math.log(small / sum) +
      big * Math.log1p(-small / sum) +
      stirlingRemainder(small) +
      stirlingRemainder(big) -
      stirlingRemainder(sum)
    );
  }
  if (big >= STIRLING_THRESHOLD) {
    // ln Γ(big) − ln Γ(big + small) = −(big − ½)·ln(1 + small/big) − small·ln(sum) + small + δ(big) − δ(sum)
    return (
      logGamma(small) -
      (big - 0.5) * Math.log1p(small / big) -
      small * Math.log(sum) +
      small +
      stirlingRemainder(big) -
      stirlingRemainder(sum)
    );
  }
  return logGamma(a) + logGamma(b) - logGamma(sum);
}

function maxIterations(a: number, b = 0): number {
  // Both the gamma series and the beta continued fraction need O(√max(a, b)) terms.
  return 200 + Math.ceil(20 * Math.sqrt(Math.max(a, b)));
}

/** Series for P(a, x), valid and fast for x < a + 1. */
function gammaPSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  let denominator = a;
  const limit = maxIterations(a, x);
  for (let i = 0; i < limit; i++) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * DOUBLE_EPSILON) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Lentz continued fraction for Q(a, x), valid and fast for x ≥ a + 1. */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  const limit = maxIterations(a, x);
  for (let i = 1; i <= limit; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < DOUBLE_EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

function checkGammaArguments(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`incomplete gamma needs a > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`incomplete gamma needs x >= 0, got ${x}`);
}

/**
 * Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0 and x ≥ 0.
 * @throws RangeError on arguments outside that domain (including NaN).
 */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  return x < a + 1 ? gammaPSeries(a, x) : 1 - gammaQContinuedFraction(a, x);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly (not as 1 − P) so
 * that small upper-tail probabilities keep their relative accuracy.
 * @throws RangeError on arguments outside a > 0, x ≥ 0.
 */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArguments(a, x);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQContinuedFraction(a, x);
}

/** Lentz continued fraction of the incomplete beta function (NR `betacf`). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  const limit = maxIterations(a, b);
  for (let m = 1; m <= limit; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < DOUBLE_EPSILON) break;
  }
  return h;
}

/**
 * I_x(a, b) given both x and y = 1 − x. Callers that know 1 − x more precisely than the subtraction
 * would give (the t distribution, where x = ν/(ν+t²) is close to 1 for small t) pass it directly.
 */
export function regularizedBetaPair(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  // Near 1, ln of the value itself would throw away the digits that y (or x) still carries.
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const logFront = a * logX + b * logY - logBeta(a, b);
  const front = Math.exp(logFront);
  // The continued fraction converges quickly only on the side x < (a+1)/(a+b+2); use the symmetry
  // I_x(a, b) = 1 − I_{1−x}(b, a) on the other side.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/**
 * Regularized incomplete beta function I_x(a, b), for 0 ≤ x ≤ 1 and a, b > 0.
 * @throws RangeError on arguments outside that domain.
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedBeta needs 0 <= x <= 1, got ${x}`);
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new RangeError(`regularizedBeta needs a, b > 0, got a=${a}, b=${b}`);
  }
  return regularizedBetaPair(x, 1 - x, a, b);
}
