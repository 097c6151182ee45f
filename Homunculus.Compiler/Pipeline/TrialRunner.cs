using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Homunculus.Compiler.Caching;
using Homunculus.Compiler.CostModels;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Search;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Training;
using Homunculus.Model.Ir;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Pipeline;

/// <summary>A configuration trained (or read from the trial store) and estimated.</summary>
/// <param name="Recorded">Read from the trial store: not trained in this build.</param>
public sealed record TrialOutcome(TrialConfig Config, Candidate Candidate, bool Recorded)
{
    public bool Feasible => Candidate.Feasible;
}

/// <summary>
/// Trains one configuration: projects the data onto its features, trains the family with the .hspec's
/// seed, maps the model back onto the full feature list, measures it (float and fixed point, validation
/// and test) and estimates it on the target. Finished trials go to the <see cref="TrialStore"/>; a
/// recorded trial is read back instead of retrained. Thread-safe: trials run in parallel.
/// </summary>
public sealed class TrialRunner
{
    private readonly HSpec _spec;
    private readonly LoadedData _data;
    private readonly TrainingSet _set;
    private readonly CostModel _costModel;
    private readonly TrialStore? _store;

    public TrialRunner(HSpec spec, LoadedData data, TrainingSet set, CostModel costModel, TrialStore? store)
    {
        _spec = spec;
        _data = data;
        _set = set;
        _costModel = costModel;
        _store = store;
    }

    public IReadOnlyList<string> FeatureNames => _data.Features.Select(f => f.Name).ToList();

    /// <summary>The family's settings object for settings JSON, or null when the family's reader rejects them.</summary>
    public static object? ReadSettings(IModelFamily family, JObject settings)
    {
        var bag = new DiagnosticBag();
        var reader = new SpecReader("<search>", "", bag);
        var result = family.ReadSettings(settings, reader);
        return bag.HasErrors ? null : result;
    }

    /// <summary>Complete settings JSON (defaults filled in, as the family reads them), or null when invalid.</summary>
    public static JObject? Normalize(IModelFamily family, JObject settings) =>
        ReadSettings(family, settings) is { } read ? FamilySpaces.ToJson(read) : null;

    private int[] Columns(TrialConfig config)
    {
        var index = FeatureNames.Select((name, i) => (name, i)).ToDictionary(t => t.name, t => t.i, StringComparer.Ordinal);
        return config.Features.Select(f => index[f]).OrderBy(i => i).ToArray();
    }

    /// <summary>Whether a configuration can be trained here (its algorithm and features exist, its settings are valid).</summary>
    public bool Accepts(TrialConfig config)
    {
        var family = ModelFamilies.Find(config.Algorithm);
        return family is not null && config.Features.Count > 0 && config.Features.All(FeatureNames.Contains)
            && config.Features.Distinct().Count() == config.Features.Count && ReadSettings(family, config.Settings) is not null
            && (config.ClassifyAt is not int n || (_spec.ClassifyAtChoices?.Contains(n) ?? false));
    }

    /// <summary>The structural estimate: false when the model's shape alone is over a budget (unknown shape: true).</summary>
    public bool MayBeFeasible(TrialConfig config) => StructuralFigures(config)?.All(f => f.Fits) ?? true;

    public IReadOnlyList<ResourceFigure>? StructuralFigures(TrialConfig config)
    {
        var family = ModelFamilies.Find(config.Algorithm)!;
        var settings = ReadSettings(family, config.Settings);
        if (settings is null) return null;
        var columns = Columns(config);
        var skeleton = family.Skeleton(columns.Select(c => _data.Features[c]).ToList(), _data.Classes.Count, settings);
        if (skeleton is null) return null;
        return _costModel.Estimate(Wrap(config.Algorithm, FeatureProjection.Remap(skeleton, columns)), _spec.Platform);
    }

    public TrialOutcome Run(TrialConfig config, CancellationToken cancellation)
    {
        if (_store?.TryGet(config.Key) is { } record && Read(config, record) is { } recorded)
            return new TrialOutcome(config, recorded, Recorded: true);

        var family = ModelFamilies.Find(config.Algorithm)!;
        var settings = ReadSettings(family, config.Settings) ?? throw new InvalidOperationException($"invalid settings for {config.Algorithm}: {config.Settings}");
        var columns = Columns(config);
        var set = DecidedSet(config);
        var result = family.Train(FeatureProjection.Project(set, columns), settings, _spec.Seed, cancellation);
        cancellation.ThrowIfCancellationRequested();
        // Through JSON and back: a trial read from the store is then exactly the trial trained now.
        var model = ModelFileJson.Deserialize(ModelFileJson.Serialize(Wrap(config.Algorithm, FeatureProjection.Remap(result.Model, columns), config.ClassifyAt)));
        int classes = _data.Classes.Count;
        var floatValidation = Metrics.Compute(set.Validation.Classes, result.FloatValidation, classes);
        var fixedValidation = Candidate.Evaluate(model, set.Validation);
        var floatTest = Metrics.Compute(set.Test.Classes, result.FloatTest, classes);
        var fixedTest = Candidate.Evaluate(model, set.Test);
        _store?.Put(config.Key, new JObject
        {
            ["config"] = config.ToJson(),
            ["model"] = JToken.Parse(ModelFileJson.Serialize(model)),
            ["floatValidation"] = JToken.FromObject(floatValidation),
            ["fixedValidation"] = JToken.FromObject(fixedValidation),
            ["floatTest"] = JToken.FromObject(floatTest),
            ["fixedTest"] = JToken.FromObject(fixedTest),
        });
        return new TrialOutcome(config, Estimate(model, floatValidation, fixedValidation, floatTest, fixedTest), Recorded: false);
    }

    private Candidate? Read(TrialConfig config, JObject record)
    {
        try
        {
            if (record["config"] is not JObject stored || FamilySpaces.Canonical(stored) != config.Canonical) return null;
            var model = ModelFileJson.Deserialize(record["model"]!.ToString(Formatting.Indented));
            var metrics = new[] { "floatValidation", "fixedValidation", "floatTest", "fixedTest" }.Select(name => record[name]!.ToObject<Metrics>()!).ToArray();
            return Estimate(Wrap(config.Algorithm, model.Model, config.ClassifyAt), metrics[0], metrics[1], metrics[2], metrics[3]);
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidCastException or ArgumentException)
        {
            return null;   // an unreadable record is trained again
        }
    }

    private Candidate Estimate(ModelFile model, Metrics floatValidation, Metrics fixedValidation, Metrics floatTest, Metrics fixedTest)
    {
        var figures = _costModel.Estimate(model, _spec.Platform);
        model = model with { Platform = new PlatformInfo { Target = _spec.Platform.Target, Resources = figures.ToEquatableArray() } };
        return new Candidate(model, floatValidation, fixedValidation, floatTest, fixedTest, figures);
    }

    /// <summary>
    /// The rows a configuration's model decides for: with a searched classification point, the packets at or
    /// after that packet of their flow (the data were loaded from the smallest point on).
    /// </summary>
    private TrainingSet DecidedSet(TrialConfig config) => config.ClassifyAt is int n
        ? _set with { Train = _set.Train.DecidedAt(n), Validation = _set.Validation.DecidedAt(n), Test = _set.Test.DecidedAt(n) }
        : _set;

    private ModelFile Wrap(string algorithm, ModelNode node, int? classifyAt = null) => new()
    {
        Name = _spec.Name,
        SpecFile = Path.GetFileName(_spec.SpecPath),
        CompilerVersion = Compilation.Version,
        Algorithm = algorithm,
        Features = _data.Features.ToEquatableArray(),
        Classes = _data.Classes.ToEquatableArray(),
        Model = node,
        Flow = classifyAt is int n && _spec.Flow is { } flow ? flow with { ClassifyAt = n } : _spec.Flow,
    };
}
