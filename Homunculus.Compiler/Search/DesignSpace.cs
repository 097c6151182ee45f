using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Homunculus.Compiler.Training;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Search;

/// <summary>
/// The compiler's design space: one branch per candidate algorithm the target can run, each with its
/// family's hyperparameters (<see cref="IModelFamily.Space"/>), and the number k of features (the k most
/// informative by <see cref="FeatureRanking"/>; fixed to all when feature selection is off).
/// A point's values are [k, the family's dimensions..., and the index of the classification point when
/// the .hspec lists several (flow.classifyAt)].
/// </summary>
public sealed class DesignSpace : ISearchProblem
{
    private readonly IReadOnlyList<IModelFamily> _families;
    private readonly IReadOnlyList<string> _featureNames;
    private readonly IReadOnlyList<int> _ranking;
    private readonly bool _featureSelection;
    private readonly Func<IModelFamily, JObject, JObject?> _normalize;
    private readonly Func<TrialConfig, bool> _mayBeFeasible;
    private readonly ConditionalWeakTable<SearchPoint, TrialConfig> _configs = new();
    private readonly Dictionary<string, bool> _feasible = new(StringComparer.Ordinal);
    private readonly int[] _offsets;
    private readonly IReadOnlyList<int>? _classifyAt;

    /// <param name="families">The branches, in .hspec order.</param>
    /// <param name="featureNames">The .hspec's features, in order.</param>
    /// <param name="ranking">Feature indices, most informative first.</param>
    /// <param name="normalize">Reads settings JSON through the family's reader and returns them complete (null: invalid).</param>
    /// <param name="mayBeFeasible">The structural estimate (the cost model on the model's shape).</param>
    public DesignSpace(IReadOnlyList<IModelFamily> families, IReadOnlyList<string> featureNames, IReadOnlyList<int> ranking, bool featureSelection,
        Func<IModelFamily, JObject, JObject?> normalize, Func<TrialConfig, bool> mayBeFeasible, IReadOnlyList<int>? classifyAt = null)
    {
        _classifyAt = classifyAt is { Count: > 1 } ? classifyAt : null;
        _families = families;
        _featureNames = featureNames;
        _ranking = ranking;
        _featureSelection = featureSelection && featureNames.Count > 1;
        _normalize = normalize;
        _mayBeFeasible = mayBeFeasible;
        _offsets = new int[families.Count + 1];
        for (int b = 0; b < families.Count; b++) _offsets[b + 1] = _offsets[b] + families[b].Space.Count;
    }

    public IReadOnlyList<IModelFamily> Families => _families;

    private int FeatureCount => _featureNames.Count;

    public SearchPoint Sample(Random random)
    {
        int branch = random.Next(_families.Count);
        double k = _featureSelection ? 1 + random.Next(FeatureCount) : FeatureCount;
        var values = new double[1 + _families[branch].Space.Count + (_classifyAt is null ? 0 : 1)];
        values[0] = k;
        for (int d = 0; d < _families[branch].Space.Count; d++) values[1 + d] = _families[branch].Space[d].Sample(random);
        if (_classifyAt is not null) values[^1] = random.Next(_classifyAt.Count);
        return new SearchPoint(branch, values);
    }

    public SearchPoint Neighbour(SearchPoint point, Random random)
    {
        if (_families.Count > 1 && random.NextDouble() < 0.15)
        {
            var other = Sample(random);
            other.Values[0] = point.Values[0];
            if (_classifyAt is not null) other.Values[^1] = point.Values[^1];
            return other;
        }
        var space = _families[point.Branch].Space;
        var values = (double[])point.Values.Clone();
        int moves = 1 + random.Next(2);
        for (int m = 0; m < moves; m++)
        {
            int d = random.Next(values.Length);
            if (d == 0)
            {
                if (_featureSelection)
                    values[0] = Math.Clamp(values[0] + (random.Next(2) == 0 ? -1 : 1) * (1 + random.Next(2)), 1, FeatureCount);
            }
            else if (d > space.Count) values[d] = Math.Clamp(values[d] + (random.Next(2) == 0 ? -1 : 1), 0, _classifyAt!.Count - 1);
            else values[d] = space[d - 1].Neighbour(values[d], random);
        }
        return new SearchPoint(point.Branch, values);
    }

    public double[] Encode(SearchPoint point)
    {
        int extra = _classifyAt is null ? 0 : 1;
        var x = new double[_families.Count + 1 + _offsets[^1] + extra];
        for (int b = 0; b < _families.Count; b++) x[b] = b == point.Branch ? 1 : 0;
        x[_families.Count] = FeatureCount <= 1 ? 0.5 : (point.Values[0] - 1) / (FeatureCount - 1);
        for (int i = _families.Count + 1; i < x.Length - extra; i++) x[i] = -1;   // dimensions of other branches
        if (_classifyAt is not null) x[^1] = point.Values[^1] / (_classifyAt.Count - 1);
        var space = _families[point.Branch].Space;
        for (int d = 0; d < space.Count; d++) x[_families.Count + 1 + _offsets[point.Branch] + d] = space[d].ToUnit(point.Values[1 + d]);
        return x;
    }

    public string Key(SearchPoint point) => ConfigOf(point)?.Key ?? "invalid:" + string.Join(",", point.Values);

    public bool MayBeFeasible(SearchPoint point)
    {
        var config = ConfigOf(point);
        if (config is null) return false;
        lock (_feasible)
        {
            if (!_feasible.TryGetValue(config.Key, out bool feasible)) _feasible[config.Key] = feasible = _mayBeFeasible(config);
            return feasible;
        }
    }

    /// <summary>The configuration a point stands for (its fixed configuration, if it has one); null when the family rejects the settings.</summary>
    public TrialConfig? ConfigOf(SearchPoint point)
    {
        if (point.Fixed is TrialConfig fixedConfig) return fixedConfig;
        lock (_configs)
        {
            if (_configs.TryGetValue(point, out var known)) return known;
            var family = _families[point.Branch];
            var settings = _normalize(family, family.SettingsAt(point.Values.Skip(1).Take(family.Space.Count).ToArray()));
            if (settings is null) return null;
            int k = (int)Math.Round(point.Values[0]);
            var chosen = _ranking.Take(k).ToHashSet();
            var features = Enumerable.Range(0, FeatureCount).Where(chosen.Contains).Select(f => _featureNames[f]).ToList();
            int? classifyAt = _classifyAt is null ? null : _classifyAt[(int)Math.Round(point.Values[^1])];
            var config = new TrialConfig(family.Name, settings, features, classifyAt);
            _configs.AddOrUpdate(point, config);
            return config;
        }
    }

    /// <summary>A point standing for a given configuration (baseline, warm start, lock); null when its algorithm is not a branch.</summary>
    public SearchPoint? PointOf(TrialConfig config)
    {
        int branch = _families.ToList().FindIndex(f => f.Name == config.Algorithm);
        if (branch < 0) return null;
        var values = new[] { (double)Math.Max(1, config.Features.Count) }.Concat(_families[branch].PointOf(config.Settings)).ToList();
        if (_classifyAt is not null) values.Add(Math.Max(0, _classifyAt.ToList().IndexOf(config.ClassifyAt ?? _classifyAt[0])));
        return new SearchPoint(branch, values.ToArray(), config);
    }
}
