// "How should the app speak to you?": the person chooses, in plain words, how the app addresses them where
// the language marks it (Arabic speaks to a woman and to a man in different words), or no preference. A
// setting of this device only (i18n/address.js, i18n/index.js), changed at any time in Settings.

import { useState } from 'preact/hooks';
import { ADDRESS_FORMS } from '../i18n/address.js';
import { addressForm, setAddressForm, t } from '../i18n/index.js';
import { Radios } from './common.jsx';

const ADDRESS_LABELS = { '': 'fix.address.none', f: 'fix.address.feminine', m: 'fix.address.masculine' };

export function AddressSetting() {
  const [form, setForm] = useState(addressForm());
  const choose = (value) => {
    setAddressForm(value);
    setForm(value);
  };
  return (
    <div class="address-setting" data-address-form={form || 'none'}>
      <Radios
        name="address"
        legend={t('fix.address.legend')}
        hint={t('fix.address.hint')}
        value={form}
        onChange={choose}
        options={ADDRESS_FORMS.map((value) => ({ value, label: t(ADDRESS_LABELS[value]) }))}
      />
    </div>
  );
}
