using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Compiler.Search;

/// <summary>
/// A small random forest of regression trees (variance reduction), the surrogate of the search as in
/// HyperMapper: the mean of the trees' predictions estimates the objective, their variance its
/// uncertainty. Fitted on 0/1 labels it is the feasibility classifier (the mean is P(feasible)).
/// Seeded and single-threaded: the same data and seed give the same forest.
/// </summary>
public sealed class RegressionForest
{
    private sealed class Node
    {
        public int Feature = -1;
        public double Threshold;
        public Node? Left, Right;
        public double Value;
    }

    private readonly List<Node> _trees;

    private RegressionForest(List<Node> trees) => _trees = trees;

    /// <param name="maxFeatures">Share of the inputs each split considers (HyperMapper: 0.5).</param>
    /// <param name="minSplit">Fewest rows a node needs to be split (HyperMapper: 5).</param>
    public static RegressionForest Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, int seed, int trees = 10, double maxFeatures = 0.5, int minSplit = 4, bool bootstrap = true)
    {
        var random = new Random(seed);
        var forest = new List<Node>();
        int n = x.Count;
        for (int t = 0; t < trees; t++)
        {
            var rows = bootstrap && n > 1 ? Enumerable.Range(0, n).Select(_ => random.Next(n)).ToArray() : Enumerable.Range(0, n).ToArray();
            forest.Add(Grow(x, y, rows, random, maxFeatures, minSplit, 0));
        }
        return new RegressionForest(forest);
    }

    public (double Mean, double Variance) Predict(double[] x)
    {
        double sum = 0, sumSq = 0;
        foreach (var tree in _trees)
        {
            var node = tree;
            while (node.Feature >= 0) node = x[node.Feature] <= node.Threshold ? node.Left! : node.Right!;
            sum += node.Value;
            sumSq += node.Value * node.Value;
        }
        double mean = sum / _trees.Count;
        return (mean, Math.Max(0, sumSq / _trees.Count - mean * mean));
    }

    private static Node Grow(IReadOnlyList<double[]> x, IReadOnlyList<double> y, int[] rows, Random random, double maxFeatures, int minSplit, int depth)
    {
        double mean = rows.Length == 0 ? 0 : rows.Average(r => y[r]);
        var node = new Node { Value = mean };
        if (rows.Length < minSplit || depth > 30) return node;
        double total = rows.Sum(r => (y[r] - mean) * (y[r] - mean));
        if (total <= 1e-12) return node;

        int width = x[rows[0]].Length;
        int draw = Math.Max(1, (int)Math.Ceiling(maxFeatures * width));
        var features = Enumerable.Range(0, width).ToArray();
        for (int i = 0; i < draw; i++)
        {
            int j = i + random.Next(width - i);
            (features[i], features[j]) = (features[j], features[i]);
        }
        int bestFeature = -1;
        double bestThreshold = 0, bestError = total - 1e-12;
        foreach (int f in features.Take(draw).OrderBy(f => f))
        {
            var sorted = rows.OrderBy(r => x[r][f]).ThenBy(r => r).ToArray();
            double leftSum = 0, leftSq = 0, allSum = sorted.Sum(r => y[r]), allSq = sorted.Sum(r => y[r] * y[r]);
            for (int i = 0; i < sorted.Length - 1; i++)
            {
                double v = y[sorted[i]];
                leftSum += v;
                leftSq += v * v;
                double a = x[sorted[i]][f], b = x[sorted[i + 1]][f];
                if (a == b) continue;
                int nl = i + 1, nr = sorted.Length - nl;
                double error = (leftSq - leftSum * leftSum / nl) + ((allSq - leftSq) - (allSum - leftSum) * (allSum - leftSum) / nr);
                if (error < bestError)
                {
                    bestError = error;
                    bestFeature = f;
                    bestThreshold = (a + b) / 2;
                }
            }
        }
        if (bestFeature < 0) return node;
        node.Feature = bestFeature;
        node.Threshold = bestThreshold;
        node.Left = Grow(x, y, rows.Where(r => x[r][bestFeature] <= bestThreshold).ToArray(), random, maxFeatures, minSplit, depth + 1);
        node.Right = Grow(x, y, rows.Where(r => x[r][bestFeature] > bestThreshold).ToArray(), random, maxFeatures, minSplit, depth + 1);
        return node;
    }
}
