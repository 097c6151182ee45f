using System.Collections.Generic;

namespace Homunculus.Compiler.Data;

/// <summary>Rows of encoded features (the integers the switch sees) with their class indexes.</summary>
public sealed class Dataset
{
    public Dataset(int featureCount, long[] encoded, int[] classes, long[]? flowPackets = null, int[]? groups = null)
    {
        FeatureCount = featureCount;
        Encoded = encoded;
        Classes = classes;
        FlowPackets = flowPackets;
        Groups = groups;
    }

    /// <summary>
    /// Per row, the capture it was read from (pcap data), so a split can keep each capture's correlated packets
    /// on one side (<c>data.validationBy</c>); null when rows are independent (CSV, ARFF).
    /// </summary>
    public int[]? Groups { get; }

    /// <summary>
    /// Per row, the packet count of the row's flow when the packet was seen (0: no flow), kept when the
    /// classification point is searched (docs/flow-features.md); null otherwise.
    /// </summary>
    public long[]? FlowPackets { get; }

    /// <summary>The rows a model deciding from its flow's packet <paramref name="classifyAt"/> on decides for.</summary>
    public Dataset DecidedAt(int classifyAt)
    {
        if (FlowPackets is null || classifyAt <= 1) return this;
        var rows = new List<int>();
        for (int r = 0; r < Rows; r++)
            if (FlowPackets[r] >= classifyAt) rows.Add(r);
        return Subset(rows);
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
        var flowPackets = FlowPackets is null ? null : new long[rows.Count];
        var groups = Groups is null ? null : new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(Encoded, rows[i] * FeatureCount, encoded, i * FeatureCount, FeatureCount);
            classes[i] = Classes[rows[i]];
            if (flowPackets is not null) flowPackets[i] = FlowPackets![rows[i]];
            if (groups is not null) groups[i] = Groups![rows[i]];
        }
        return new Dataset(FeatureCount, encoded, classes, flowPackets, groups);
    }
}
