using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Search;

/// <summary>
/// Orders the features by how much they say about the class: the mutual information between the encoded
/// value (categorical: its code; numeric: one of up to 16 equal-count bins of the training values) and the
/// class, on the rows the models learn from. Cheap, deterministic (ties: the earlier feature first), and
/// independent of any model, so "the k most important features" is one dimension of the search.
/// </summary>
public static class FeatureRanking
{
    public const int Bins = 16;

    /// <summary>Feature indices, most informative first, and each feature's mutual information in bits.</summary>
    public static (IReadOnlyList<int> Order, IReadOnlyList<double> Information) Rank(IReadOnlyList<FeatureEncoding> features, Dataset rows, int classes)
    {
        var information = new double[features.Count];
        for (int f = 0; f < features.Count; f++) information[f] = MutualInformation(features[f], rows, f, classes);
        var order = Enumerable.Range(0, features.Count)
            .OrderByDescending(f => Math.Round(information[f], 12))
            .ThenBy(f => f)
            .ToList();
        return (order, information);
    }

    private static double MutualInformation(FeatureEncoding feature, Dataset rows, int f, int classes)
    {
        int n = rows.Rows;
        if (n == 0) return 0;
        var values = new long[n];
        for (int r = 0; r < n; r++) values[r] = rows.Encoded[r * rows.FeatureCount + f];
        int[] bucket;
        int buckets;
        if (feature.Kind == FeatureKind.Categorical)
        {
            buckets = feature.Categories.Count + 1;
            bucket = values.Select(v => (int)Math.Clamp(v, 0, buckets - 1)).ToArray();
        }
        else
        {
            // Equal-count bin edges over the distinct sorted values (a value never straddles two bins).
            var sorted = (long[])values.Clone();
            Array.Sort(sorted);
            var edges = new List<long>();
            for (int b = 1; b < Bins; b++)
            {
                long edge = sorted[(int)((long)b * n / Bins)];
                if (edges.Count == 0 || edge > edges[^1]) edges.Add(edge);
            }
            buckets = edges.Count + 1;
            bucket = values.Select(v =>
            {
                int i = edges.BinarySearch(v);
                return i >= 0 ? i + 1 : ~i;
            }).ToArray();
        }
        var joint = new double[buckets, classes];
        var px = new double[buckets];
        var py = new double[classes];
        for (int r = 0; r < n; r++)
        {
            joint[bucket[r], rows.Classes[r]]++;
            px[bucket[r]]++;
            py[rows.Classes[r]]++;
        }
        double mi = 0;
        for (int x = 0; x < buckets; x++)
            for (int y = 0; y < classes; y++)
            {
                double pxy = joint[x, y] / n;
                if (pxy > 0) mi += pxy * Math.Log2(pxy / (px[x] / n * (py[y] / n)));
            }
        return mi;
    }
}
