using System.Collections.Generic;

namespace Homunculus.Compiler.Data;

/// <summary>Rows of encoded features (the integers the switch sees) with their class indexes.</summary>
public sealed class Dataset
{
    public Dataset(int featureCount, long[] encoded, int[] classes)
    {
        FeatureCount = featureCount;
        Encoded = encoded;
        Classes = classes;
    }

    public int FeatureCount { get; }

    /// <summary>Row-major: row r, feature f at r * FeatureCount + f.</summary>
    public long[] Encoded { get; }

    public int[] Classes { get; }

    public int Rows => Classes.Length;

    public long[] Row(int row) => Encoded.AsSpan(row * FeatureCount, FeatureCount).ToArray();

    public Dataset Subset(IReadOnlyList<int> rows)
    {
        var encoded = new long[rows.Count * FeatureCount];
        var classes = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(Encoded, rows[i] * FeatureCount, encoded, i * FeatureCount, FeatureCount);
            classes[i] = Classes[rows[i]];
        }
        return new Dataset(FeatureCount, encoded, classes);
    }
}
