using System.Collections.Generic;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.CostModels;

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

    /// <summary>Estimated figures of <paramref name="model"/> against the budgets of <paramref name="platform"/>.</summary>
    public abstract IReadOnlyList<ResourceFigure> Estimate(ModelFile model, PlatformSpec platform);

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
