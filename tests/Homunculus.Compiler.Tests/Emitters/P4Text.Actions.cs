using System;
using System.Collections.Generic;

namespace Homunculus.Compiler.Tests.Emitters;

/// <summary>
/// The v1model statements of per-class actions (docs/actions.md): <c>mark_to_drop(sm);</c> (egress_spec = 511,
/// BMv2's drop port), <c>clone(CloneType.X, session);</c>, <c>digest&lt;T&gt;(receiver, { ... });</c>, and the
/// standard metadata ports (<c>sm.ingress_port</c> as given, <c>sm.egress_spec</c> as assigned).
/// </summary>
internal sealed partial class P4IngressEvaluator
{
    /// <summary>v1model's drop port: what <c>mark_to_drop</c> writes into egress_spec.</summary>
    public const long DropPort = 511;

    private readonly Dictionary<string, long> _standard = new(StringComparer.Ordinal);
    private readonly List<(string Type, long Session)> _clones = new();
    private readonly List<(string Type, long Receiver, List<long> Values)> _digests = new();

    // Each run starts from a fresh environment; the action state follows it without a hook in Run.
    private Dictionary<string, long>? _actionsOf;

    /// <summary>The port the next packets arrive on (<c>sm.ingress_port</c>).</summary>
    public long IngressPort { get; set; }

    /// <summary><c>sm.egress_spec</c> after the last run.</summary>
    public long EgressSpec => Fresh()._standard.TryGetValue("sm.egress_spec", out long v) ? v : 0;

    public bool Dropped => EgressSpec == DropPort;

    /// <summary>The clones the last run asked for.</summary>
    public IReadOnlyList<(string Type, long Session)> Clones => Fresh()._clones;

    /// <summary>The digests the last run sent.</summary>
    public IReadOnlyList<(string Type, long Receiver, List<long> Values)> Digests => Fresh()._digests;

    private P4IngressEvaluator Fresh()
    {
        if (ReferenceEquals(_actionsOf, _env)) return this;
        _actionsOf = _env;
        _standard.Clear();
        _standard["sm.ingress_port"] = IngressPort;
        _clones.Clear();
        _digests.Clear();
        return this;
    }

    private long StandardMetadata(string name) => Fresh()._standard.TryGetValue(name, out long v) ? v : 0;

    private void SetStandardMetadata(string name, long value) => Fresh()._standard[name] = value & 0x1FF;

    private bool ActionStatement(string target, bool execute)
    {
        switch (target)
        {
            case "mark_to_drop":
                Expect("("); Expect("sm"); Expect(")"); Expect(";");
                if (execute) SetStandardMetadata("sm.egress_spec", DropPort);
                return true;
            case "clone":
                {
                    Expect("(");
                    string type = Next();
                    Expect(",");
                    long session = Expression().Value;
                    Expect(")"); Expect(";");
                    if (execute) Fresh()._clones.Add((type, session));
                    return true;
                }
            case "digest":
                {
                    Expect("<");
                    string type = Next();
                    Expect(">");
                    Expect("(");
                    long receiver = Expression().Value;
                    Expect(",");
                    Expect("{");
                    var values = new List<long>();
                    while (true)
                    {
                        values.Add(Expression().Value);
                        if (Peek == ",") { Next(); continue; }
                        Expect("}");
                        break;
                    }
                    Expect(")"); Expect(";");
                    if (execute) Fresh()._digests.Add((type, receiver, values));
                    return true;
                }
            default:
                return false;
        }
    }
}
