// repscope DIY IMU: streams accelerometer + gyroscope over the repscope GATT service (docs/devices.md).
//
// Boards: Seeed XIAO nRF52840 Sense (LSM6DS3TR-C, library "Seeed Arduino LSM6DS3") or Arduino Nano 33 BLE Sense
// Rev2 / Nano 33 BLE Rev2 (BMI270, library "Arduino_BMI270_BMM150"). BLE: library "ArduinoBLE".
//
// Packet (notify, DATA characteristic): u16 seq | u32 t_us of the first sample | u8 n | n x (acc xyz, gyr xyz)
// int16 LE; acc 1/4096 g per LSB, gyro 1/16.384 deg/s per LSB. CONTROL characteristic: 01 <rate u16 LE> = start,
// 00 = stop. One sample per packet fits the default 23-byte ATT MTU; hosts that negotiate a larger MTU (BlueZ,
// CoreBluetooth, WinRT all do) get SAMPLES_PER_PACKET samples per notification.

#include <ArduinoBLE.h>

#if defined(ARDUINO_SEEED_XIAO_NRF52840_SENSE) || defined(ARDUINO_Seeed_XIAO_nRF52840_Sense)
#include <LSM6DS3.h>
#include <Wire.h>
LSM6DS3 imu(I2C_MODE, 0x6A);
static bool imuBegin() { return imu.begin() == 0; }
static void imuRead(float a[3], float g[3]) {  // g, deg/s
  a[0] = imu.readFloatAccelX(); a[1] = imu.readFloatAccelY(); a[2] = imu.readFloatAccelZ();
  g[0] = imu.readFloatGyroX();  g[1] = imu.readFloatGyroY();  g[2] = imu.readFloatGyroZ();
}
#define HAS_VBAT 1
#else
#include <Arduino_BMI270_BMM150.h>
static bool imuBegin() { return IMU.begin(); }
static void imuRead(float a[3], float g[3]) {
  IMU.readAcceleration(a[0], a[1], a[2]);
  IMU.readGyroscope(g[0], g[1], g[2]);
}
#define HAS_VBAT 0
#endif

#define SERVICE_UUID "7e5c0001-5f3a-4b8e-9c21-6d0e2a1b3c4d"
#define DATA_UUID    "7e5c0002-5f3a-4b8e-9c21-6d0e2a1b3c4d"
#define CONTROL_UUID "7e5c0003-5f3a-4b8e-9c21-6d0e2a1b3c4d"

const int SAMPLES_PER_PACKET = 1;  // raise to 4 (55-byte packets) when the host negotiates MTU >= 58
const int SAMPLE_BYTES = 12, HEADER_BYTES = 7;

BLEService service(SERVICE_UUID);
BLECharacteristic dataChar(DATA_UUID, BLENotify, HEADER_BYTES + SAMPLE_BYTES * SAMPLES_PER_PACKET);
BLECharacteristic controlChar(CONTROL_UUID, BLEWrite, 3);
#if HAS_VBAT
BLEService batteryService("180F");
BLEUnsignedCharCharacteristic batteryLevel("2A19", BLERead | BLENotify);
#endif

static bool streaming = false;
static uint32_t periodUs = 10000, nextUs = 0, firstUs = 0;
static uint16_t seq = 0;
static uint8_t packet[HEADER_BYTES + SAMPLE_BYTES * SAMPLES_PER_PACKET];
static int filled = 0;

static int16_t clamp16(float v) { return v > 32767.f ? 32767 : (v < -32768.f ? -32768 : (int16_t)lroundf(v)); }
static void put16(uint8_t *p, int16_t v) { p[0] = v & 0xFF; p[1] = (v >> 8) & 0xFF; }

static void onControl(BLEDevice, BLECharacteristic c) {
  const uint8_t *v = c.value();
  if (c.valueLength() >= 3 && v[0] == 0x01) {
    uint16_t rate = v[1] | (v[2] << 8);
    if (rate < 10) rate = 10;
    if (rate > 400) rate = 400;
    periodUs = 1000000UL / rate;
    nextUs = micros();
    filled = 0;
    streaming = true;
  } else if (c.valueLength() >= 1 && v[0] == 0x00) {
    streaming = false;
  }
}

void setup() {
  if (!imuBegin() || !BLE.begin()) {
    pinMode(LED_BUILTIN, OUTPUT);
    while (true) { digitalWrite(LED_BUILTIN, !digitalRead(LED_BUILTIN)); delay(100); }  // fast blink: hardware fault
  }
  BLE.setLocalName("repscope-imu");
  BLE.setAdvertisedService(service);
  service.addCharacteristic(dataChar);
  service.addCharacteristic(controlChar);
  controlChar.setEventHandler(BLEWritten, onControl);
  BLE.addService(service);
#if HAS_VBAT
  batteryService.addCharacteristic(batteryLevel);
  BLE.addService(batteryService);
#endif
  BLE.setEventHandler(BLEDisconnected, [](BLEDevice) { streaming = false; BLE.advertise(); });
  BLE.advertise();
}

#if HAS_VBAT
static uint8_t batteryPercent() {  // XIAO: VBAT through a 1M/510k divider on P0.31, enabled by P0.14 low
  pinMode(P0_14, OUTPUT); digitalWrite(P0_14, LOW);
  float v = analogRead(PIN_VBAT) * (3.6f / 1023.f) * (1510.f / 510.f);
  float pct = (v - 3.3f) / (4.2f - 3.3f) * 100.f;
  return pct < 0 ? 0 : (pct > 100 ? 100 : (uint8_t)pct);
}
#endif

void loop() {
  BLE.poll();
  if (!streaming || !BLE.connected()) return;
  uint32_t now = micros();
  if ((int32_t)(now - nextUs) < 0) return;
  nextUs += periodUs;  // fixed schedule: the sample times are first + k * period on the sensor clock
  float a[3], g[3];
  imuRead(a, g);
  if (filled == 0) firstUs = now;
  uint8_t *s = packet + HEADER_BYTES + SAMPLE_BYTES * filled;
  for (int i = 0; i < 3; i++) put16(s + 2 * i, clamp16(a[i] * 4096.f));
  for (int i = 0; i < 3; i++) put16(s + 6 + 2 * i, clamp16(g[i] * 16.384f));
  if (++filled < SAMPLES_PER_PACKET) return;
  packet[0] = seq & 0xFF; packet[1] = seq >> 8;
  packet[2] = firstUs & 0xFF; packet[3] = (firstUs >> 8) & 0xFF; packet[4] = (firstUs >> 16) & 0xFF; packet[5] = firstUs >> 24;
  packet[6] = filled;
  dataChar.writeValue(packet, HEADER_BYTES + SAMPLE_BYTES * filled);
  seq++;
  filled = 0;
#if HAS_VBAT
  if ((seq & 0x3FF) == 0) batteryLevel.writeValue(batteryPercent());
#endif
}
