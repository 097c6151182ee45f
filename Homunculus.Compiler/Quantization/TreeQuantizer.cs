using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Training;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Quantization;

/// <summary>
/// Float tree ensembles (one per scored class) to a <see cref="TreeEnsembleModel"/>:
/// <list type="bullet">
/// <item>Thresholds: the features are integers, so "x &lt;= t" equals "x &lt;= floor(t)"; the integer
/// threshold is clamped to -1 .. 2^32 - 1 (below every / above every encoded value).</item>
/// <item>Leaf values and biases: rounded to integer units of one fixed-point scale 2^-k shared by every
/// class (so the argmax compares like with like). k is the largest (at most <see cref="MaxFractionBits"/>)
/// for which the largest reachable |score| of any class stays below 2^30, so no 32-bit sum can wrap, with
/// room to spare; the model's bound is checked again after rounding.</item>
/// </list>
/// A class without an ensemble (no training rows of its own) gets a constant score below every other
/// class's, so it is never chosen.
/// </summary>
public static class TreeQuantizer
{
    public const int MaxFractionBits = 24;

    private const double ScoreLimit = 1 << 30;

    public static TreeEnsembleModel Quantize(int classes, IReadOnlyList<(int Class, FloatEnsemble? Ensemble)> ensembles)
    {
        double bound = 0;
        foreach (var (_, ensemble) in ensembles)
        {
            if (ensemble is null) continue;
            double b = Math.Abs(ensemble.Bias) + ensemble.Trees.Sum(t => t.LeafValues.Length == 0 ? 0 : t.LeafValues.Max(Math.Abs));
            bound = Math.Max(bound, b);
        }
        int k = MaxFractionBits;
        while (k > -30 && bound * Math.Pow(2, k) >= ScoreLimit) k--;
        double scale = Math.Pow(2, k);

        var bias = new int[classes];
        var trees = new List<DecisionTree>();
        foreach (var (c, ensemble) in ensembles)
        {
            if (ensemble is null)
            {
                bias[c] = int.MinValue + 1; // below every reachable score of the other classes (|score| < 2^30)
                continue;
            }
            bias[c] = Round(ensemble.Bias * scale);
            foreach (var tree in ensemble.Trees)
            {
                var nodes = new TreeNode[tree.Features.Length];
                for (int i = 0; i < nodes.Length; i++)
                {
                    nodes[i] = new TreeNode
                    {
                        Feature = tree.Features[i],
                        Threshold = IntegerThreshold(tree.Thresholds[i]),
                        Left = tree.Left[i],
                        Right = tree.Right[i],
                    };
                }
                trees.Add(new DecisionTree
                {
                    Nodes = nodes.ToEquatableArray(),
                    Leaves = tree.LeafValues.Select(v => new TreeLeaf { Class = c, Value = Round(v * scale) }).ToEquatableArray(),
                });
            }
        }
        var model = new TreeEnsembleModel
        {
            Classes = classes,
            Bias = bias.ToEquatableArray(),
            Trees = trees.ToEquatableArray(),
            ValueScale = 1 / scale,
        };
        if (TreeInterpreter.MaxAbsScore(model) > int.MaxValue)
            throw new InvalidOperationException("quantized tree scores can exceed 32 bits");
        return model;
    }

    /// <summary>The integer t' with (x &lt;= t) == (x &lt;= t') for every integer x in 0 .. 2^32 - 1.</summary>
    public static long IntegerThreshold(float threshold)
    {
        double t = Math.Floor((double)threshold);
        if (double.IsNaN(t) || t < -1) return -1;
        if (t > uint.MaxValue) return uint.MaxValue;
        return (long)t;
    }

    private static int Round(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);
}
