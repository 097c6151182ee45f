namespace Homunculus.Model.Interpretation
{
    /// <summary>
    /// Logarithmic companding of an unsigned 32-bit value into 8 bits, computable on a switch with
    /// comparisons against constants and constant shifts. Values below 2^(MantissaBits+1) pass unchanged;
    /// above, the result is ((p - MantissaBits + 1) &lt;&lt; MantissaBits) | (the MantissaBits bits after the
    /// leading one at position p). Monotonic, exact for small values, at most 239.
    /// </summary>
    public static class Compand
    {
        public const int MantissaBits = 3;

        public const int Max = ((31 - MantissaBits + 1) << MantissaBits) | ((1 << MantissaBits) - 1);

        /// <summary>Smallest leading-one position handled by the logarithmic branch.</summary>
        public const int FirstLogPosition = MantissaBits + 1;

        public static int Apply(uint value)
        {
            if (value < (1u << FirstLogPosition)) return (int)value;
            int p = 31;
            while ((value >> p) == 0) p--;
            return Segment(value, p);
        }

        /// <summary>The companded value of <paramref name="value"/> whose leading one is at position <paramref name="p"/>.</summary>
        public static int Segment(uint value, int p) =>
            ((p - MantissaBits + 1) << MantissaBits) | (int)((value >> (p - MantissaBits)) & ((1u << MantissaBits) - 1));
    }
}
