using System.Collections.Generic;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

/// <summary>
/// A target's cost model as one model of a schedule sees it in its own search (docs/schedule.md): the same
/// estimates, judged against the model's share of every budget that adds up over the models (<see cref="CostModel.Shared"/>).
/// </summary>
public sealed class SharedCostModel : CostModel
{
    private readonly CostModel _inner;
    private readonly double _share;

    public SharedCostModel(CostModel inner, double share)
    {
        _inner = inner;
        _share = share;
    }

    public override string Target => _inner.Target;

    public override IReadOnlyDictionary<string, double> Defaults => _inner.Defaults;

    public override string? CannotRun(string algorithm) => _inner.CannotRun(algorithm);

    public override string? CannotReadField(string field) => _inner.CannotReadField(field);

    public override IEnumerable<(string Property, string Reason)> CannotKeepFlows(FlowSettings flow) => _inner.CannotKeepFlows(flow);

    public override FigureRule RuleOf(ResourceFigure figure) => _inner.RuleOf(figure);

    public override IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform) => _inner.Shared(_inner.Estimate(model, platform), _share);
}
