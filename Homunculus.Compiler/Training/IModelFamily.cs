using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Search;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>The rows a family learns from (train), is chosen on (validation) and is reported on (test).</summary>
public sealed record TrainingSet(
    IReadOnlyList<FeatureEncoding> Features,
    IReadOnlyList<ClassInfo> Classes,
    Dataset Train,
    Dataset Validation,
    Dataset Test);

/// <summary>A family's trained, quantized model, with its float model's predictions for comparison.</summary>
/// <param name="FloatValidation">The float (unquantized) model's class per validation row.</param>
/// <param name="FloatTest">The float model's class per test row.</param>
public sealed record FamilyResult(ModelNode Model, IReadOnlyList<int> FloatValidation, IReadOnlyList<int> FloatTest);

/// <summary>
/// A model family (an .hspec "algorithms" name): reads its settings from "model.&lt;name&gt;", trains on the
/// training rows and exports an integer model (an IR node of Homunculus.Model) that every target lowers.
/// </summary>
public interface IModelFamily
{
    /// <summary>The .hspec name ("dnn", "svm", ...).</summary>
    string Name { get; }

    /// <summary>Reads "model.&lt;Name&gt;" (null when absent), reporting problems through <paramref name="reader"/>; returns the settings with defaults filled in.</summary>
    object ReadSettings(JObject? settings, SpecReader reader);

    FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation);

    /// <summary>
    /// The family's hyperparameters for the design-space search, each with its documented range
    /// (docs/search.md). Empty: the family is only trained with its fixed settings.
    /// </summary>
    IReadOnlyList<Dimension> Space => [];

    /// <summary>The settings (as "model.&lt;Name&gt;" JSON, read back through <see cref="ReadSettings"/>) at a point of <see cref="Space"/>.</summary>
    JObject SettingsAt(IReadOnlyList<double> point) => FamilySpaces.Direct(Space, point);

    /// <summary>The point of <see cref="Space"/> nearest to settings (for the search's surrogate model).</summary>
    double[] PointOf(JObject settings) => FamilySpaces.PointOf(Space, settings);

    /// <summary>
    /// The model's shape without trained values (zero weights), when the settings alone determine it: the
    /// search asks the cost model about it before training and skips hopeless candidates. Null: unknown
    /// before training (trees).
    /// </summary>
    ModelNode? Skeleton(IReadOnlyList<FeatureEncoding> features, int classes, object settings) => null;
}

/// <summary>Every family the compiler knows, in one place.</summary>
public static class ModelFamilies
{
    public static IReadOnlyList<IModelFamily> All { get; } = new IModelFamily[]
    {
        new MlpFamily(),
        new TreeFamily(), new ForestFamily(), new BoostedFamily(),
        LinearFamily.Svm,
        LinearFamily.Logistic,
        new KMeansFamily(),
        new NaiveBayesFamily(),
    };

    public static IReadOnlyList<string> Names { get; } = All.Select(f => f.Name).ToList();

    public static IModelFamily? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}
