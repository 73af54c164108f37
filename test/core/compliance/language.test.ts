import fc from 'fast-check';
import { franc } from 'franc';
import { describe, expect, it } from 'vitest';
import { DETECTABLE_LANGUAGES, detectLanguage, FRANC_CODES } from '../../../src/core/compliance/language.js';

const FROM_FRANC = new Map(Object.entries(FRANC_CODES).map(([code, iso3]) => [iso3, code]));
const ONLY = Object.values(FRANC_CODES);

/** What franc itself answers for a text short enough to be read whole (600 characters or fewer). */
function francAnswer(text: string): string | undefined {
  return FROM_FRANC.get(franc(text, { only: ONLY, minLength: 1 }));
}

const SAMPLES = [
  'The harbour town woke slowly, with boats and bread and bells.',
  'Der Hafen erwachte langsam, mit Booten, Brot und Glocken am frühen Morgen.',
  'El pueblo del puerto despertó despacio, con barcos, pan y campanas.',
  'La ville portuaire se réveillait lentement, avec des bateaux et du pain.',
  'Kun haistat kukkaa, tapahtuu monia asioita nenässäsi ja aivoissasi.',
  'Сегодня прекрасная погода, и мы идём гулять в парк у реки.',
  'Сьогодні чудова погода, і ми йдемо гуляти до парку біля річки.',
  'مرحبا بكم في هذا المكان الجميل، نتمنى لكم يوما سعيدا.',
  'آج موسم بہت اچھا ہے اور ہم دریا کے کنارے پارک جا رہے ہیں۔',
  'वर्तमान आर्थिक संकट का पर्यावरण पर गहरा प्रभाव पड़ रहा है।',
  'आज मौसम राम्रो छ र हामी नदी किनारको पार्कमा जाँदैछौं।',
  'שלום לכולם, היום מזג האוויר נעים מאוד בתל אביב.',
  '今日はとても良い天気ですね。散歩に行きましょう。',
  '오늘은 날씨가 정말 좋네요. 산책하러 갑시다.',
  '今天天气很好，我们去河边的公园散步吧。',
  'วันนี้อากาศดีมาก เราไปเดินเล่นที่สวนริมแม่น้ำกันเถอะ',
  'இந்த படம் ஒரு காதல் கதையைக் கூறுகிறது.',
  'Σήμερα ο καιρός είναι υπέροχος και πάμε βόλτα στο πάρκο.',
  'ONCE UPON A TIME, THERE WAS A FAMILY OF FIVE.',
  '1. PIXEL PRODIGY\n2. CODE CONSTRUCT',
  'glistening emerald hills, gulls glide over the grace',
  'a',
  '42 — 17 🙂',
  'ሰላም ለሁላችሁ',
  'ශ්‍රී ලංකාව',
];

describe('detectLanguage', () => {
  it('GIVEN texts in many languages and scripts THEN it answers exactly as franc does over the same candidates', () => {
    for (const text of SAMPLES) expect(detectLanguage(text), text).toBe(francAnswer(text));
  });

  it('GIVEN arbitrary short texts THEN it still answers exactly as franc does', () => {
    const alphabet = fc.constantFrom(
      ...('abcdefghijklmnopqrstuvwxyzäöüßéèçñ ABCDEFÄÖ,.!?\'"-*\n0123456789абвгдежзийклмнопрстуфхцчшщыэюя' +
        'αβγδεζηθικλμνξοπρστυφχψωابتثجحخدذرزسشصضطظعغفقكلمنهوي'),
      '日',
      '本',
      '語',
      'ก',
      'ข',
      '한',
      '국',
      '\u{1F600}',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 0, maxLength: 120 }), (chars) => {
        const text = chars.join('');
        expect(detectLanguage(text)).toBe(francAnswer(text));
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN the same text twice in a row, or a different one between THEN the answers do not change', () => {
    const german = SAMPLES[1] ?? '';
    const english = SAMPLES[0] ?? '';
    expect(detectLanguage(german)).toBe('de');
    expect(detectLanguage(german)).toBe('de');
    expect(detectLanguage(english)).toBe('en');
    expect(detectLanguage(german)).toBe('de');
  });

  it('GIVEN long replies THEN windows spread over the text decide, and a 600-character text is read whole', () => {
    const english = `${SAMPLES[0]} `.repeat(40);
    const german = `${SAMPLES[1]} `.repeat(40);
    expect(detectLanguage(english)).toBe('en');
    expect(detectLanguage(german)).toBe('de');
    const short = german.slice(0, 600);
    expect(detectLanguage(short)).toBe(francAnswer(short));
  });

  it('answers only with the reference codes', () => {
    for (const text of SAMPLES) {
      const code = detectLanguage(text);
      if (code !== undefined) expect(DETECTABLE_LANGUAGES).toContain(code);
    }
  });
});
