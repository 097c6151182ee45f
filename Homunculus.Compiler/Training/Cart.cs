using System.Collections.Generic;
using Homunculus.Compiler.Data;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Training;

/// <summary>Growth limits of one CART tree.</summary>
/// <param name="MaxDepth">Comparisons on the longest path.</param>
/// <param name="MinLeaf">Fewest rows a leaf may hold.</param>
/// <param name="MaxLeaves">Most leaves; the split with the largest Gini decrease is taken first.</param>
/// <param name="FeatureFraction">Share of the features each split considers (a seeded draw per node; 1 = all).</param>
internal sealed record CartOptions(int MaxDepth, int MinLeaf, int MaxLeaves, double FeatureFraction);

/// <summary>
/// A multiclass CART classifier on the ENCODED integer features (what the switch sees): Gini impurity,
/// best-first growth bounded by depth, leaf size and leaf count; thresholds are integers midway between
/// neighbouring distinct training values, so "go left when value &lt;= threshold" is exact on the switch.
/// Deterministic: ties go to the lowest feature index, then the lowest threshold; the only randomness is
/// the per-node feature draw from the caller's seeded <see cref="Random"/>. Single-threaded.
/// </summary>
internal static class Cart
{
    private sealed class Pending
    {
        public int[] Rows = [];
        public int Depth;
        public int[] Counts = [];
        public int Feature = -1;
        public long Threshold;
        public double Gain;
        public int LeftCount;
        /// <summary>(node index, is left) of the parent's child slot that points here; (-1, _) for the root.</summary>
        public int Parent = -1;
        public bool IsLeft;
    }

    /// <summary>Grows one tree on <paramref name="rows"/> (indices into <paramref name="data"/>, repeats allowed).</summary>
    /// <returns>The splits (root = node 0, children after parents) and, per leaf, the class counts of its rows.</returns>
    public static (List<TreeNode> Nodes, List<int[]> LeafCounts) Grow(Dataset data, int[] rows, int classes, CartOptions options, Random random)
    {
        var nodes = new List<TreeNode>();
        var leaves = new List<int[]>();
        var open = new List<Pending>();
        var root = Make(data, rows, 0, classes, options, random);
        open.Add(root);
        int leafCount = 1;
        var finished = new List<Pending>();
        while (open.Count > 0)
        {
            // Best-first: the open leaf with the largest gain (the earliest on ties).
            int best = -1;
            for (int i = 0; i < open.Count; i++)
            {
                if (open[i].Feature >= 0 && (best < 0 || open[i].Gain > open[best].Gain)) best = i;
            }
            if (best < 0 || leafCount >= options.MaxLeaves) break;
            var node = open[best];
            open.RemoveAt(best);
            int index = nodes.Count;
            nodes.Add(new TreeNode { Feature = node.Feature, Threshold = node.Threshold });
            Link(nodes, node, index);
            var (left, right) = Partition(data, node);
            var l = Make(data, left, node.Depth + 1, classes, options, random);
            var r = Make(data, right, node.Depth + 1, classes, options, random);
            l.Parent = index; l.IsLeft = true;
            r.Parent = index; r.IsLeft = false;
            open.Add(l);
            open.Add(r);
            leafCount++;
        }
        finished.AddRange(open);
        // Leaves in the order of their parents' node index (left before right): a stable, readable numbering.
        finished.Sort((a, b) => a.Parent != b.Parent ? a.Parent.CompareTo(b.Parent) : b.IsLeft.CompareTo(a.IsLeft));
        foreach (var leaf in finished)
        {
            int leafIndex = leaves.Count;
            leaves.Add(leaf.Counts);
            if (leaf.Parent >= 0)
            {
                var parent = nodes[leaf.Parent];
                nodes[leaf.Parent] = leaf.IsLeft ? parent with { Left = ~leafIndex } : parent with { Right = ~leafIndex };
            }
        }
        return (nodes, leaves);
    }

    private static void Link(List<TreeNode> nodes, Pending node, int index)
    {
        if (node.Parent < 0) return;
        var parent = nodes[node.Parent];
        nodes[node.Parent] = node.IsLeft ? parent with { Left = index } : parent with { Right = index };
    }

    private static (int[] Left, int[] Right) Partition(Dataset data, Pending node)
    {
        var left = new int[node.LeftCount];
        var right = new int[node.Rows.Length - node.LeftCount];
        int li = 0, ri = 0;
        int width = data.FeatureCount;
        foreach (int row in node.Rows)
        {
            if (data.Encoded[row * width + node.Feature] <= node.Threshold) left[li++] = row;
            else right[ri++] = row;
        }
        return (left, right);
    }

    private static Pending Make(Dataset data, int[] rows, int depth, int classes, CartOptions options, Random random)
    {
        var counts = new int[classes];
        foreach (int row in rows) counts[data.Classes[row]]++;
        var node = new Pending { Rows = rows, Depth = depth, Counts = counts };
        int nonZero = 0;
        foreach (int c in counts) if (c > 0) nonZero++;
        if (depth >= options.MaxDepth || rows.Length < 2 * options.MinLeaf || nonZero < 2) return node;
        FindSplit(data, node, classes, Features(data.FeatureCount, options.FeatureFraction, random), options.MinLeaf);
        return node;
    }

    /// <summary>The features a node considers, ascending: all, or a seeded draw of round(fraction * count) (at least 1).</summary>
    private static int[] Features(int count, double fraction, Random random)
    {
        if (fraction >= 1) return Enumerable.Range(0, count).ToArray();
        int take = Math.Clamp((int)Math.Round(fraction * count, MidpointRounding.AwayFromZero), 1, count);
        var all = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < take; i++)
        {
            int j = i + random.Next(count - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var chosen = all.Take(take).ToArray();
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>Gini: maximise sum_k L_k^2 / nL + sum_k R_k^2 / nR (the impurity decrease up to a constant).</summary>
    private static void FindSplit(Dataset data, Pending node, int classes, int[] features, int minLeaf)
    {
        int n = node.Rows.Length;
        int width = data.FeatureCount;
        double squares = 0;
        foreach (int c in node.Counts) squares += (double)c * c;
        double parentScore = squares / n;
        var keys = new long[n];
        var labels = new int[n];
        var left = new int[classes];
        double bestScore = parentScore + 1e-9 * n; // a split must decrease impurity
        foreach (int f in features)
        {
            for (int i = 0; i < n; i++)
            {
                keys[i] = data.Encoded[node.Rows[i] * width + f];
                labels[i] = data.Classes[node.Rows[i]];
            }
            Array.Sort(keys, labels);
            if (keys[0] == keys[n - 1]) continue;
            Array.Clear(left);
            double sumLeft = 0, sumRight = squares; // sum of squared counts on each side
            for (int i = 0; i < n - 1; i++)
            {
                int k = labels[i];
                // Moving one row of class k from right to left changes the squared counts incrementally.
                int rightK = node.Counts[k] - left[k];
                sumRight += (double)(rightK - 1) * (rightK - 1) - (double)rightK * rightK;
                sumLeft += (double)(left[k] + 1) * (left[k] + 1) - (double)left[k] * left[k];
                left[k]++;
                if (keys[i] == keys[i + 1]) continue;
                int nl = i + 1, nr = n - nl;
                if (nl < minLeaf || nr < minLeaf) continue;
                double score = sumLeft / nl + sumRight / nr;
                if (score > bestScore)
                {
                    bestScore = score;
                    node.Feature = f;
                    node.Threshold = keys[i] + (keys[i + 1] - keys[i]) / 2;
                    node.LeftCount = nl;
                }
            }
        }
        node.Gain = bestScore - parentScore;
    }

    /// <summary>The class with the most rows (the lowest index on ties).</summary>
    public static int Majority(int[] counts)
    {
        int best = 0;
        for (int c = 1; c < counts.Length; c++) if (counts[c] > counts[best]) best = c;
        return best;
    }

    /// <summary>The tree as IR: each leaf gives 1 to its majority class.</summary>
    public static DecisionTree ToVotingTree(List<TreeNode> nodes, List<int[]> leafCounts) => new()
    {
        Nodes = nodes.ToEquatableArray(),
        Leaves = leafCounts.Select(c => new TreeLeaf { Class = Majority(c), Value = 1 }).ToEquatableArray(),
    };
}
