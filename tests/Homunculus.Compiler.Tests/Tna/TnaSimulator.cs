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
/// It knows nothing of the model: the only inputs are the JSON and the feature header's field values, or,
/// for a packet-field program, the parsed headers (values and the valid instances) that its read steps copy
/// into metadata (a header field is read only when its header is valid, else the metadata gets 0).
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

    /// <summary>The field the class goes to: <c>m.result</c> in a packet-field program, else the feature header's.</summary>
    public string ResultField => _widths.ContainsKey("m.result") ? "m.result" : "h.feat.result";

    public int Run(ModelFile model, IReadOnlyList<long> encoded) => (int)RunEncoded(model, encoded)[ResultField];

    /// <summary>Runs the program on one encoded row (the feature header's fields, or packet fields with their headers valid); returns every field afterwards.</summary>
    public IReadOnlyDictionary<string, ulong> RunEncoded(ModelFile model, IReadOnlyList<long> encoded)
    {
        if (!model.ReadsPacketFields)
        {
            var state = _widths.Keys.ToDictionary(k => k, _ => 0UL);
            for (int i = 0; i < model.Features.Count; i++)
            {
                string field = P4FeatureTransport.FieldRef(model.Features[i]);
                state[field] = (ulong)encoded[i] & Mask(_widths[field]);
            }
            return Execute(state, new HashSet<string>());
        }
        // Each value in the last header its read step tries (the plain header, not a tag), that header valid.
        var headers = new Dictionary<string, long>(StringComparer.Ordinal);
        var valid = new HashSet<string>(StringComparer.Ordinal);
        var reads = _json["steps"]!.Where(s => (string)s["op"]! == "read").ToDictionary(s => (string)s["dst"]!, s => s["sources"]!.Last!);
        for (int i = 0; i < model.Features.Count; i++)
        {
            var source = reads[P4FeatureTransport.FieldRef(model.Features[i])];
            headers[(string)source["field"]!] = encoded[i];
            valid.Add(((string)source["header"]!).Substring(2));
        }
        return Run(headers, valid);
    }

    /// <summary>Runs a packet-field program on parsed headers (field -> value, valid instance names); returns every field afterwards.</summary>
    public IReadOnlyDictionary<string, ulong> Run(IReadOnlyDictionary<string, long> headers, IReadOnlySet<string> valid)
    {
        var state = _widths.Keys.ToDictionary(k => k, _ => 0UL);
        foreach (var (field, value) in headers)
            if (_widths.TryGetValue(field, out int bits)) state[field] = (ulong)value & Mask(bits);
        return Execute(state, valid);
    }

    private Dictionary<string, ulong> Execute(Dictionary<string, ulong> state, IReadOnlySet<string> valid)
    {
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
                case "read":
                    {
                        var source = step["sources"]!.FirstOrDefault(x => valid.Contains(((string)x["header"]!).Substring(2)));
                        Write((string)step["dst"]!, source is null ? 0 : state[(string)source["field"]!]);
                        break;
                    }
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
        return state;
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
