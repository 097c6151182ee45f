using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Compiler.Emitters.P4V1Model;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Tests.Tna;

/// <summary>
/// Runs the emitted Tofino program from its entries JSON alone: ternary / exact matching in entry order
/// (first match wins, and the test checks no two entries match), the actions' parameter assignments, then
/// the apply steps (additions modulo 2^w, saturating subtractions, gateways against 0, assignments).
/// It knows nothing of the model: the only inputs are the JSON and the feature header's field values.
/// </summary>
internal sealed class TnaSimulator
{
    private readonly JObject _json;
    private readonly Dictionary<string, int> _widths;
    private readonly Dictionary<string, JObject> _tables;

    public TnaSimulator(string json)
    {
        _json = JObject.Parse(json);
        _widths = ((JObject)_json["fields"]!).Properties().ToDictionary(p => p.Name, p => (int)p.Value);
        _tables = _json["tables"]!.Cast<JObject>().ToDictionary(t => (string)t["name"]!, t => t);
    }

    /// <summary>Entries that matched more than one row of a table at once (should stay 0).</summary>
    public int Overlaps { get; private set; }

    private static ulong Mask(int bits) => bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;

    public int Run(ModelFile model, IReadOnlyList<long> encoded)
    {
        var state = _widths.Keys.ToDictionary(k => k, _ => 0UL);
        for (int i = 0; i < model.Features.Count; i++)
        {
            string field = P4FeatureTransport.FieldRef(model.Features[i]);
            state[field] = (ulong)encoded[i] & Mask(_widths[field]);
        }
        ulong Value(JToken operand) => operand.Type == JTokenType.String ? state[(string)operand!] : (ulong)operand;
        void Write(string field, ulong value) => state[field] = value & Mask(_widths[field]);

        foreach (JObject step in _json["steps"]!)
        {
            switch ((string)step["op"]!)
            {
                case "apply":
                    Apply(_tables[(string)step["table"]!], state, Write);
                    break;
                case "add":
                    Write((string)step["dst"]!, Value(step["a"]!) + Value(step["b"]!));
                    break;
                case "satsub":
                    {
                        ulong a = Value(step["a"]!), b = Value(step["b"]!);
                        Write((string)step["dst"]!, a > b ? a - b : 0);
                        break;
                    }
                case "set":
                    Write((string)step["dst"]!, Value(step["src"]!));
                    break;
                case "pick":
                    {
                        bool taken = state[(string)step["test"]!] != 0;
                        var values = step["assign"]!.Select(a => ((string)a["dst"]!, Value(a[taken ? "then" : "else"]!))).ToList();
                        foreach (var (dst, v) in values) Write(dst, v);
                        break;
                    }
                default:
                    throw new InvalidOperationException("unknown step " + step["op"]);
            }
        }
        return (int)state["h.feat.result"];
    }

    private void Apply(JObject table, Dictionary<string, ulong> state, Action<string, ulong> write)
    {
        var keys = table["keys"]!.Select(k => ((string)k["field"]!, (string)k["match"]!)).ToList();
        var values = keys.Select(k => state[k.Item1]).ToList();
        JArray? args = null;
        int matches = 0;
        foreach (JObject entry in table["entries"]!)
        {
            var key = (JArray)entry["key"]!;
            bool hit = true;
            for (int i = 0; i < keys.Count && hit; i++)
            {
                ulong v = (ulong)key[i]["value"]!;
                hit = keys[i].Item2 == "exact" ? values[i] == v : (values[i] & (ulong)key[i]["mask"]!) == v;
            }
            if (!hit) continue;
            matches++;
            args ??= (JArray)entry["args"]!;
            if ((string)entry["action"]! != (string)table["action"]!["name"]!) throw new InvalidOperationException("entry names another action");
        }
        if (matches > 1) Overlaps++;
        args ??= (JArray)table["default"]!;
        var parameters = table["action"]!["params"]!.Select(p => (string)p["name"]!).ToList();
        foreach (JObject set in table["action"]!["sets"]!)
            write((string)set["field"]!, (ulong)args[parameters.IndexOf((string)set["param"]!)]);
    }
}
