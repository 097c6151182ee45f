using System.Collections.Generic;
using System.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Classification quality of predictions against true classes.</summary>
public sealed record Metrics(double Accuracy, double WeightedF1, double MacroF1, IReadOnlyList<double> F1PerClass, int Rows)
{
    public static Metrics Compute(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int classes)
    {
        var tp = new int[classes];
        var fp = new int[classes];
        var fn = new int[classes];
        var support = new int[classes];
        int correct = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            support[truth[i]]++;
            if (truth[i] == predicted[i])
            {
                tp[truth[i]]++;
                correct++;
            }
            else
            {
                fp[predicted[i]]++;
                fn[truth[i]]++;
            }
        }
        var f1 = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            double denominator = 2.0 * tp[c] + fp[c] + fn[c];
            f1[c] = denominator == 0 ? 0 : 2.0 * tp[c] / denominator;
        }
        int n = Math.Max(1, truth.Count);
        double weighted = Enumerable.Range(0, classes).Sum(c => f1[c] * support[c]) / n;
        double macro = f1.Average();
        return new Metrics((double)correct / n, weighted, macro, f1, truth.Count);
    }
}

/// <summary>The .hspec's objective: a metric, and for "f1" the index of the positive class.</summary>
public sealed record Objective(string Metric, int PositiveClass)
{
    public double Of(Metrics m) => Metric switch
    {
        "accuracy" => m.Accuracy,
        "macro-f1" => m.MacroF1,
        "f1" => m.F1PerClass[PositiveClass],
        _ => m.WeightedF1,
    };

    public override string ToString() => Metric;
}
