using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>How one resource figure of several models on one switch combines (docs/schedule.md).</summary>
public enum FigureRule
{
    /// <summary>The models' values add up (units, tables, entries, multiplications); a model's search gets its share of the budget.</summary>
    Sum,
    /// <summary>Models at one depth of the schedule run side by side (the largest counts), depths one after the other (they add up): latency, pipeline stages. A model's search gets its share.</summary>
    Depth,
    /// <summary>A limit on one element (the largest table, one stage): the largest value counts; every model's search gets the whole budget.</summary>
    Largest,
    /// <summary>A floor (throughput): the smallest value counts; every model's search gets the whole floor.</summary>
    Smallest,
}

/// <summary>
/// What a target can run and what a model costs there. Each target's knowledge lives in its own
/// class; the compiler (and later the search) asks the target, never a list kept elsewhere.
/// </summary>
public abstract class CostModel
{
    public abstract string Target { get; }

    /// <summary>The keys .hspec "platform.resources" may set for this target, with their defaults.</summary>
    public abstract IReadOnlyDictionary<string, double> Defaults { get; }

    public IReadOnlyCollection<string> ResourceNames => (IReadOnlyCollection<string>)Defaults.Keys;

    /// <summary>Null when the target can run models of this kind, else the reason it cannot.</summary>
    public abstract string? CannotRun(string algorithm);

    /// <summary>
    /// Null when the target's program can read the feature source <paramref name="field"/> (a packet field,
    /// docs/packet-features.md), else the reason it cannot (HMC2008). By default: standard packet fields only,
    /// which a switch's parser extracts in front of the model.
    /// </summary>
    public virtual string? CannotReadField(string field) =>
        Homunculus.Model.Packets.PacketFields.Find(field) is null ? $"the {Target} code generator reads standard packet fields only (docs/packet-features.md); use bmv2" : null;

    /// <summary>
    /// What the target's program cannot do with the flow table <paramref name="flow"/> (docs/flow-features.md): per
    /// problem, the property of <c>"flow"</c> it concerns (<c>"flow"</c> itself: no flow state at all) and why (HMC0005).
    /// By default no flow state is generated.
    /// </summary>
    public virtual IEnumerable<(string Property, string Reason)> CannotKeepFlows(FlowSettings flow) =>
        new[] { ("flow", $"keeps per-flow state in registers, which the {Target} code generator does not emit (bmv2 and tofino only, docs/flow-features.md)") };

    /// <summary>Estimated figures of <paramref name="model"/> against the budgets of <paramref name="platform"/>.</summary>
    public abstract IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform);

    /// <summary>How a figure combines over the models of a schedule (docs/schedule.md); by default: a floor (throughput) is the smallest, a latency adds along the schedule's depths, anything else sums.</summary>
    public virtual FigureRule RuleOf(ResourceFigure figure) =>
        figure.AtLeast ? FigureRule.Smallest : figure.Unit == "ns" ? FigureRule.Depth : FigureRule.Sum;

    /// <summary>The figures as one model of a schedule is judged in its own search: <paramref name="share"/> of every budget that adds up.</summary>
    public IReadOnlyList<ResourceFigure> Shared(IReadOnlyList<ResourceFigure> figures, double share) =>
        figures.Select(f => f.Budget is double budget && RuleOf(f) is FigureRule.Sum or FigureRule.Depth ? f with { Budget = budget * share } : f).ToList();

    /// <summary>
    /// The estimate of a schedule's program against the whole budget: each model's figures (<see cref="Estimate"/> of
    /// its view) combined by <see cref="RuleOf"/>. A target whose program shares work between models refines it.
    /// </summary>
    public virtual IReadOnlyList<ResourceFigure> EstimateSchedule(ModelFile file, PlatformSpec platform)
    {
        var schedule = Schedules.Of(file) ?? throw new ArgumentException("the model file has no schedule", nameof(file));
        return Combine(schedule, Schedules.Views(file).Select(v => Estimate(v, platform)).ToList());
    }

    /// <summary>Per figure name (in order of first appearance), the models' values combined by <see cref="RuleOf"/>; the budget is the whole one.</summary>
    protected IReadOnlyList<ResourceFigure> Combine(ScheduleModel schedule, IReadOnlyList<IReadOnlyList<ResourceFigure>> perModel)
    {
        var depths = schedule.Depths();
        var names = perModel.SelectMany(list => list.Select(f => f.Name)).Distinct().ToList();
        var result = new List<ResourceFigure>();
        foreach (var name in names)
        {
            var figures = perModel.Select((list, m) => (Model: m, Figure: list.FirstOrDefault(f => f.Name == name))).Where(x => x.Figure is not null).ToList();
            var template = figures[0].Figure!;
            double value = RuleOf(template) switch
            {
                FigureRule.Largest => figures.Max(x => x.Figure!.Value),
                FigureRule.Smallest => figures.Min(x => x.Figure!.Value),
                FigureRule.Depth => figures.GroupBy(x => depths[x.Model]).Sum(g => g.Max(x => x.Figure!.Value)),
                _ => figures.Sum(x => x.Figure!.Value),
            };
            result.Add(template with { Value = value });
        }
        return result;
    }

    protected double Parameter(PlatformSpec platform, string name) =>
        platform.Resources.TryGetValue(name, out var value) ? value : Defaults[name];

    public static CostModel? For(string target) => target switch
    {
        "taurus" => new TaurusCostModel(),
        "bmv2" => new Bmv2CostModel(),
        "tofino" => new TofinoCostModel(),
        _ => null,
    };
}
