using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Training;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Pipeline;

/// <summary>
/// Training on a subset of the features: the family learns on the chosen columns only, then the model's
/// feature indices are mapped back to the .hspec's full feature list. The model file always lists every
/// feature (the C# stub's API does not change with the search's choice); the model just reads fewer.
/// </summary>
public static class FeatureProjection
{
    public static TrainingSet Project(TrainingSet set, IReadOnlyList<int> columns)
    {
        if (IsIdentity(columns, set.Features.Count)) return set;
        return new TrainingSet(
            columns.Select(c => set.Features[c]).ToList(),
            set.Classes,
            Project(set.Train, columns),
            Project(set.Validation, columns),
            Project(set.Test, columns));
    }

    public static Dataset Project(Dataset data, IReadOnlyList<int> columns)
    {
        int width = columns.Count;
        var encoded = new long[data.Rows * width];
        for (int r = 0; r < data.Rows; r++)
            for (int c = 0; c < width; c++)
                encoded[r * width + c] = data.Encoded[r * data.FeatureCount + columns[c]];
        return new Dataset(width, encoded, data.Classes);
    }

    /// <summary>The model with feature i of the projected list renamed columns[i].</summary>
    public static ModelNode Remap(ModelNode node, IReadOnlyList<int> columns)
    {
        if (IsIdentity(columns, int.MaxValue)) return node;
        return node switch
        {
            MlpModel mlp => mlp with { Inputs = mlp.Inputs.Select(i => i with { Feature = columns[i.Feature] }).ToEquatableArray() },
            TreeEnsembleModel trees => trees with
            {
                Trees = trees.Trees.Select(t => t with { Nodes = t.Nodes.Select(n => n with { Feature = columns[n.Feature] }).ToEquatableArray() }).ToEquatableArray(),
            },
            _ => throw new NotSupportedException($"feature selection does not know the '{node.Kind}' model kind; add it to FeatureProjection.Remap"),
        };
    }

    private static bool IsIdentity(IReadOnlyList<int> columns, int count)
    {
        if (count != int.MaxValue && columns.Count != count) return false;
        for (int i = 0; i < columns.Count; i++)
            if (columns[i] != i) return false;
        return true;
    }
}
