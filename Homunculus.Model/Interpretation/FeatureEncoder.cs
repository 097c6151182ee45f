using System;
using System.Globalization;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Interpretation
{
    /// <summary>Raw feature values to the switch's unsigned integer encoding (see <see cref="FeatureEncoding"/>).</summary>
    public static class FeatureEncoder
    {
        public static long EncodeNumber(FeatureEncoding feature, double value)
        {
            if (double.IsNaN(value)) return 0;
            double scaled = Math.Round(value * feature.Scale, MidpointRounding.AwayFromZero);
            // Compare in double before converting so values beyond the long range clamp instead of wrapping.
            double shifted = scaled - feature.Offset;
            if (shifted <= 0) return 0;
            if (shifted >= feature.Max) return feature.Max;
            return (long)shifted;
        }

        public static long EncodeCategory(FeatureEncoding feature, string value)
        {
            int lo = 0, hi = feature.Categories.Count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                int c = string.CompareOrdinal(feature.Categories[mid], value);
                if (c == 0) return mid;
                if (c < 0) lo = mid + 1; else hi = mid - 1;
            }
            return feature.UnknownCode;
        }

        /// <summary>Encodes a value as read from a data file (number or category text).</summary>
        public static long Encode(FeatureEncoding feature, string text)
        {
            if (feature.Kind == FeatureKind.Categorical) return EncodeCategory(feature, text);
            return EncodeNumber(feature, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }
}
