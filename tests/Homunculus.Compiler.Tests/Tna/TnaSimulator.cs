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
/// into metadata (a header field is read only when its header is valid, else the metadata gets 0; a source
/// without a header, intrinsic metadata such as <c>ig_md.ingress_port</c>, is always read).
/// Flow programs (docs/flow-features.md) add gateway chains, CRC-32 hashes (System.IO.Hashing's, not the
/// reference's) and registers that keep their values from packet to packet until <see cref="ResetRegisters"/>.
/// </summary>
internal sealed class TnaSimulator
{
    private readonly JObject _json;
    private readonly Dictionary<string, int> _widths;
    private readonly Dictionary<string, JObject> _tables;
    private readonly Dictionary<string, ulong[]> _registers = new(StringComparer.Ordinal);

    /// <summary>Register actions executed per register during the last run (one stateful ALU each: should be 1).</summary>
    public Dictionary<string, int> LastExecutions { get; } = new(StringComparer.Ordinal);

    /// <summary>Every register back to its initial value, as a freshly loaded switch.</summary>
    public void ResetRegisters() => _registers.Clear();

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
            if (Header(source) is { } header) valid.Add(header);
        }
        return Run(headers, valid);
    }

    /// <summary>Runs a packet-field program on parsed headers (field -> value, valid instance names); returns every field afterwards.</summary>
    public IReadOnlyDictionary<string, ulong> Run(IReadOnlyDictionary<string, long> headers, IReadOnlySet<string> valid, IReadOnlyDictionary<string, UInt128>? wide = null)
    {
        var state = _widths.Keys.ToDictionary(k => k, _ => 0UL);
        foreach (var (field, value) in headers)
            if (_widths.TryGetValue(field, out int bits)) state[field] = (ulong)value & Mask(bits);
        // Slices of header fields (IPv6 address words, TCP flag bits) from the whole field.
        foreach (var field in _widths.Keys.Where(k => k.StartsWith("h.", StringComparison.Ordinal) && k.Contains('[')).ToList())
        {
            var (name, hi, lo) = Slice(field);
            if (wide != null && wide.TryGetValue(name, out var whole)) state[field] = (ulong)((whole >> lo) & (((UInt128)1 << (hi - lo + 1)) - 1));
            else if (headers.TryGetValue(name, out long value)) state[field] = ((ulong)value >> lo) & Mask(hi - lo + 1);
        }
        return Execute(state, valid);
    }

    private static (string Name, int Hi, int Lo) Slice(string field)
    {
        int at = field.IndexOf('[');
        var bounds = field.Substring(at + 1, field.Length - at - 2).Split(':');
        return (field.Substring(0, at), int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private Dictionary<string, ulong> Execute(Dictionary<string, ulong> state, IReadOnlySet<string> valid)
    {
        ulong Field(string field)
        {
            if (state.TryGetValue(field, out ulong v)) return v;
            var (name, hi, lo) = Slice(field);
            return (state[name] >> lo) & Mask(hi - lo + 1);
        }
        ulong Value(JToken operand) => operand.Type == JTokenType.String ? Field((string)operand!) : (ulong)operand;
        void Write(string field, ulong value) => state[field] = value & Mask(_widths[field]);
        bool Holds(JToken condition) => condition["valid"] is { } header
            ? valid.Contains(((string)header!).Substring(2))
            : (Field((string)condition["field"]!) == (ulong)condition["value"]!) == ((string)condition["test"]! == "==");
        void Assign(JToken assignments)
        {
            var values = assignments.Select(a => ((string)a["dst"]!, Value(a["src"]!))).ToList();
            foreach (var (dst, v) in values) Write(dst, v);
        }
        LastExecutions.Clear();

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
                        var source = step["sources"]!.FirstOrDefault(x => Header(x) is not { } header || valid.Contains(header));
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
                case "differences":
                    {
                        var values = step["items"]!.Select(x => ((string)x["dst"]!, Value(x["a"]!), Value(x["b"]!))).ToList();
                        foreach (var (dst, a, b) in values) Write(dst, a > b ? a - b : 0);
                        break;
                    }
                case "branch":
                    {
                        var arm = step["arms"]!.FirstOrDefault(a => a["when"]!.All(Holds));
                        Assign(arm is null ? step["otherwise"]! : arm["assign"]!);
                        break;
                    }
                case "hash":
                    {
                        if ((string)step["algorithm"]! != "crc32") throw new InvalidOperationException("unknown hash " + step["algorithm"]);
                        var input = step["inputs"]!.FirstOrDefault(i => valid.Contains(((string)i["header"]!).Substring(2)));
                        var bytes = new List<byte>();
                        foreach (var field in input?["fields"]?.Select(f => (string)f!) ?? Enumerable.Empty<string>())
                        {
                            int bits = _widths[field];
                            if (bits % 8 != 0) throw new InvalidOperationException($"hash input {field} is not whole bytes");
                            for (int b = bits / 8 - 1; b >= 0; b--) bytes.Add((byte)(state[field] >> (8 * b)));
                        }
                        Write((string)step["dst"]!, input is null ? 0 : System.IO.Hashing.Crc32.HashToUInt32(bytes.ToArray()));
                        break;
                    }
                case "register":
                    {
                        string dst = (string)step["dst"]!;
                        if (state[(string)step["guard"]!] == 0)
                        {
                            Write(dst, 0);
                            break;
                        }
                        string name = (string)step["register"]!;
                        int bits = (int)step["bits"]!;
                        if (!_registers.TryGetValue(name, out var cells))
                            _registers[name] = cells = Enumerable.Repeat((ulong)step["initial"]!, (int)step["size"]!).ToArray();
                        LastExecutions[name] = LastExecutions.GetValueOrDefault(name) + 1;
                        ulong index = state[(string)step["index"]!];
                        if (index >= (ulong)cells.Length) throw new InvalidOperationException($"{name}: index {index} outside {cells.Length} cells");
                        ulong operand = Value(step["operand"]!), value = cells[index], result;
                        switch ((string)step["kind"]!)
                        {
                            case "claim":
                                result = value == operand ? 0UL : 1UL;
                                value = operand;
                                break;
                            case "count":
                                value = state[(string)step["fresh"]!] != 0 ? operand : Math.Min(value + operand, Mask(bits));
                                result = value;
                                break;
                            default:
                                throw new InvalidOperationException("unknown register action " + step["kind"]);
                        }
                        cells[index] = value & Mask(bits);
                        Write(dst, result);
                        break;
                    }
                default:
                    throw new InvalidOperationException("unknown step " + step["op"]);
            }
        }
        return state;
    }

    /// <summary>The header instance a read source needs valid (<c>ipv4</c> of <c>h.ipv4</c>); null: none.</summary>
    private static string? Header(JToken source) => source["header"] is JValue { Type: JTokenType.String } h ? ((string)h!).Substring(2) : null;

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
